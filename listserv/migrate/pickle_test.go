package migrate

import (
	"math/big"
	"strings"
	"testing"
)

// The same dict pickled by Python at protocols 0, 1 and 2, and by
// Python 2 at protocol 0 with an old-style instance (INST then BUILD).
var pickleCases = map[string]string{
	"py3 protocol 0": "(dp0\nVreal_name\np1\nVReaders\np2\nsVmembers\np3\n(dp4\nVa@example.org\np5\nI0\nsVb@example.org\np6\nVB@Example.org\np7\nssVmax_message_size\np8\nI40\nsVn\np9\nL1180591620717411303424L\nsVf\np10\nF1.5\nsVt\np11\n(I1\nVx\np12\ntp13\nsVu\np14\nVZo\xeb\np15\nsVl\np16\n(lp17\nI1\naI2\naI3\nasVb\np18\nI01\nsVnone\np19\nNs.",
	"py3 protocol 1": "}q\x00(X\t\x00\x00\x00real_nameq\x01X\x07\x00\x00\x00Readersq\x02X\x07\x00\x00\x00membersq\x03}q\x04(X\r\x00\x00\x00a@example.orgq\x05K\x00X\r\x00\x00\x00b@example.orgq\x06X\r\x00\x00\x00B@Example.orgq\x07uX\x10\x00\x00\x00max_message_sizeq\x08K(X\x01\x00\x00\x00nq\tL1180591620717411303424L\nX\x01\x00\x00\x00fq\nG?\xf8\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00tq\x0b(K\x01X\x01\x00\x00\x00xq\x0ctq\rX\x01\x00\x00\x00uq\x0eX\x04\x00\x00\x00Zo\xc3\xabq\x0fX\x01\x00\x00\x00lq\x10]q\x11(K\x01K\x02K\x03eX\x01\x00\x00\x00bq\x12I01\nX\x04\x00\x00\x00noneq\x13Nu.",
	"py3 protocol 2": "\x80\x02}q\x00(X\t\x00\x00\x00real_nameq\x01X\x07\x00\x00\x00Readersq\x02X\x07\x00\x00\x00membersq\x03}q\x04(X\r\x00\x00\x00a@example.orgq\x05K\x00X\r\x00\x00\x00b@example.orgq\x06X\r\x00\x00\x00B@Example.orgq\x07uX\x10\x00\x00\x00max_message_sizeq\x08K(X\x01\x00\x00\x00nq\t\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00@X\x01\x00\x00\x00fq\nG?\xf8\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00tq\x0bK\x01X\x01\x00\x00\x00xq\x0c\x86q\rX\x01\x00\x00\x00uq\x0eX\x04\x00\x00\x00Zo\xc3\xabq\x0fX\x01\x00\x00\x00lq\x10]q\x11(K\x01K\x02K\x03eX\x01\x00\x00\x00bq\x12\x88X\x04\x00\x00\x00noneq\x13Nu.",
	"py2 protocol 0": "(dp0\nS'real_name'\np1\nS'Readers'\np2\nsS'members'\np3\n(dp4\nS'a@example.org'\np5\nI0\nsS'b@example.org'\np6\nS'B@Example.org'\np7\nssS'max_message_size'\np8\nI40\nsS'n'\nL1180591620717411303424L\nsS'f'\nF1.5\nsS't'\n(I1\nS'x'\ntp9\nsS'u'\nVZo\\u00eb\np10\nsS'l'\n(lp11\nI1\naI2\naI3\nasS'b'\nI01\nsS'none'\nNsS'bounce_info'\n(dp12\nS'a@example.org'\n(iMailman.Bouncer\n_BounceInfo\np13\n(dp14\nS'score'\nF1.0\nsbss.",
}

func TestDecodePickleProtocols(t *testing.T) {
	for name, data := range pickleCases {
		v, err := decodePickle(strings.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		d, ok := v.(map[any]any)
		if !ok {
			t.Errorf("%s: %T", name, v)
			continue
		}
		c := mm2{d}
		if c.text("real_name") != "Readers" || c.int("max_message_size") != 40 || c.text("u") != "Zoë" || d["f"] != 1.5 || d["b"] != true || d["none"] != nil {
			t.Errorf("%s: scalars wrong: %#v", name, d)
		}
		if n, ok := d["n"].(*big.Int); !ok || n.String() != "1180591620717411303424" {
			t.Errorf("%s: long %#v", name, d["n"])
		}
		if tu, ok := d["t"].(pyTuple); !ok || len(tu) != 2 || tu[0] != int64(1) || tu[1] != "x" {
			t.Errorf("%s: tuple %#v", name, d["t"])
		}
		if l, ok := d["l"].([]any); !ok || len(l) != 3 || l[2] != int64(3) {
			t.Errorf("%s: list %#v", name, d["l"])
		}
		m := c.dict("members")
		if m["a@example.org"] != int64(0) || m["b@example.org"] != "B@Example.org" {
			t.Errorf("%s: members %#v", name, m)
		}
		if bi, ok := d["bounce_info"].(map[any]any); ok {
			o, ok := bi["a@example.org"].(*pyObject)
			if !ok || o.Class != "Mailman.Bouncer._BounceInfo" {
				t.Errorf("%s: instance %#v", name, bi["a@example.org"])
			}
		}
	}
}

func TestDecodePickleRefusesJunk(t *testing.T) {
	for _, in := range []string{"", "X\xff\xff\xff\x7f", "(t", "}(]K\x01u.", "c\nx\n)R", "\x80\x02P1\n."} {
		if _, err := decodePickle(strings.NewReader(in)); err == nil {
			t.Errorf("%q decoded", in)
		}
	}
}
