package main

import (
	"fmt"
	"net"
)

// ResolverSetting is server.resolver: which DNS the sender and DMARC
// checks ask. Besides its two words it holds a host:port.
type ResolverSetting string

// The words of server.resolver.
const (
	// ResolverSystem (empty) asks the system's resolver (/etc/resolv.conf).
	ResolverSystem ResolverSetting = ""
	// ResolverOff asks no one: every look-up is a temporary failure at once.
	ResolverOff ResolverSetting = "off"
)

// check accepts the two words and a host:port.
func (r ResolverSetting) check() error {
	switch r {
	case ResolverSystem, ResolverOff:
		return nil
	}
	if _, _, err := net.SplitHostPort(string(r)); err != nil {
		return fmt.Errorf("server.resolver: %q must be empty (the system's DNS), %q, or host:port such as 127.0.0.1:53", string(r), string(ResolverOff))
	}
	return nil
}
