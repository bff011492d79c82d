package listserv

import (
	"net"
	"net/netip"
	"testing"
)

// TestWebhookTargetsRefused: the webhook filter refuses every address
// that is not a public host elsewhere: the ranges of special use, IPv6
// forms that embed a private IPv4 address (NAT64, 6to4, mapped), and
// the addresses of this host's own interfaces.
func TestWebhookTargetsRefused(t *testing.T) {
	own := func() ([]net.Addr, error) {
		return []net.Addr{&net.IPNet{IP: net.ParseIP("203.0.114.7"), Mask: net.CIDRMask(24, 32)},
			&net.IPNet{IP: net.ParseIP("2a01:4f8::7"), Mask: net.CIDRMask(64, 128)}}, nil
	}
	for _, a := range []string{
		"127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "0.1.2.3",
		"198.18.0.1", "198.19.255.254", "192.0.0.1", "192.0.0.170", "240.0.0.1", "255.255.255.255",
		"::1", "::", "fc00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "2002:7f00:1::1", "2002:a9fe:a9fe::", "2002:c0a8:101::1",
		"203.0.114.7", "2a01:4f8::7", "::ffff:203.0.114.7",
	} {
		if !blockedTarget(netip.MustParseAddr(a), own) {
			t.Errorf("%s is allowed", a)
		}
	}
	for _, a := range []string{"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1", "203.0.114.8"} {
		if blockedTarget(netip.MustParseAddr(a), own) {
			t.Errorf("%s is refused", a)
		}
	}
}
