package main

// dkimCommands manage outbound DKIM signing (dkim keygen).
func dkimCommands() []*command { return nil }
