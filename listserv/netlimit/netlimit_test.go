package netlimit

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestPerClient: the connection over the cap gets the refusal and is
// closed; closing one frees its slot; loopback is exempt unless counted.
func TestPerClient(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := PerClient(raw, Options{Max: 2, Refusal: "BUSY\r\n", CountLoopback: true})
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	dial()
	dial()
	first, second := <-accepted, <-accepted
	_ = second
	over := dial()
	over.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(over).ReadString('\n'); line != "BUSY\r\n" {
		t.Fatalf("third connection read %q, %v", line, err)
	}
	if n := Open(ln, "127.0.0.1"); n != 2 {
		t.Fatalf("open = %d", n)
	}
	first.Close()
	first.Close() // frees once
	if n := Open(ln, "127.0.0.1"); n != 1 {
		t.Fatalf("open after close = %d", n)
	}
	dial()
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("freed slot not reusable")
	}

	// Loopback exempt by default.
	raw2, _ := net.Listen("tcp", "127.0.0.1:0")
	ln2 := PerClient(raw2, Options{Max: 1, Refusal: "BUSY\r\n"})
	defer ln2.Close()
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", raw2.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := ln2.Accept(); err != nil {
			t.Fatal(err)
		}
	}
}
