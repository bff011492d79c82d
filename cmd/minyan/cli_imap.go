package main

// imapCommands are the archive-access commands (archive import, passwd).
func imapCommands() []*command { return nil }
