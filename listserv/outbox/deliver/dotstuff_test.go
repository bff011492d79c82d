package deliver

import "testing"

func TestDotStuff(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{".a\r\n", "..a\r\n"},
		{".\r\n", "..\r\n"},
		{"a\r\n.\r\nb", "a\r\n..\r\nb\r\n"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\rb", "a\r\nb\r\n"},
		{"a\n.b", "a\r\n..b\r\n"},
		{"a.b\r\n. x\r\n", "a.b\r\n.. x\r\n"},
		{"\r\n\r\n", "\r\n\r\n"},
		{"x", "x\r\n"},
	} {
		if got := string(dotStuff(nil, []byte(c.in))); got != c.want {
			t.Errorf("dotStuff(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "localhost": true,
		"192.0.2.1": false, "relay.example.net": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v", host, got)
		}
	}
}

func FuzzDotStuff(f *testing.F) {
	f.Add([]byte(".a\r\nb\n.\r\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out := dotStuff(nil, in)
		if len(out) > 0 && (len(out) < 2 || string(out[len(out)-2:]) != "\r\n") {
			t.Fatalf("%q does not end in CRLF", out)
		}
		for i := 0; i < len(out); i++ {
			switch out[i] {
			case '\n':
				if i == 0 || out[i-1] != '\r' {
					t.Fatalf("bare LF in %q", out)
				}
			case '\r':
				if i+1 >= len(out) || out[i+1] != '\n' {
					t.Fatalf("bare CR in %q", out)
				}
			}
			bol := i == 0 || out[i-1] == '\n'
			if bol && out[i] == '.' && (i+1 >= len(out) || out[i+1] != '.') {
				t.Fatalf("unstuffed dot at %d in %q", i, out)
			}
		}
	})
}
