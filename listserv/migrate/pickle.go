package migrate

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A reader of Python pickles, enough for Mailman 2's config.pck: the
// list's attributes as one dict, written by Python 2 (protocols 0 to 2;
// protocol 3 and later opcodes made by Python 3 are read too).
//
// It exists, rather than a general pickle library, because a Mailman 2
// list that ever saw a bounce holds class instances (its bounce_info),
// which pickle as OBJ/INST/NEWOBJ followed by BUILD; a reader that
// refuses BUILD refuses those lists. Instances here become pyObject
// values with their class name and state, which the importer ignores.
//
// Values decode as: None → nil, bool, int → int64, long → int64 or
// *big.Int, float → float64, str and unicode → string (a Python 2 str
// keeps its bytes; see pyText), list → []any, tuple → pyTuple, dict →
// map[any]any (unhashable keys are refused), instances → *pyObject.

// pyTuple is a Python tuple.
type pyTuple []any

// pyObject is a class instance or the result of a call the reader does
// not evaluate.
type pyObject struct {
	Class string // "module.name"
	Args  []any
	State any
}

// pyGlobal is a class or function named in the pickle.
type pyGlobal string

// pyMark is the stack's mark.
type pyMark struct{}

// maxPickleItems bounds a container or a string so a corrupt length
// cannot make the reader allocate gigabytes.
const maxPickleItems = 64 << 20

// errPickle is wrapped by every decoding error.
var errPickle = errors.New("not a readable Python pickle")

// decodePickle reads one pickled value.
func decodePickle(r io.Reader) (any, error) {
	d := &unpickler{r: bufio.NewReader(r), memo: map[uint32]any{}}
	v, err := d.run()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPickle, err)
	}
	return v, nil
}

type unpickler struct {
	r     *bufio.Reader
	stack []any
	memo  map[uint32]any
	nmemo uint32
}

func (d *unpickler) push(v any) { d.stack = append(d.stack, v) }

func (d *unpickler) pop() (any, error) {
	if len(d.stack) == 0 {
		return nil, errors.New("stack underflow")
	}
	v := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	if _, ok := v.(pyMark); ok {
		return nil, errors.New("unexpected mark")
	}
	return v, nil
}

// pop2 pops the top two items: below is the one that was pushed first.
func (d *unpickler) pop2() (below, top any, err error) {
	if top, err = d.pop(); err != nil {
		return nil, nil, err
	}
	below, err = d.pop()
	return below, top, err
}

func (d *unpickler) top() (any, error) {
	if len(d.stack) == 0 {
		return nil, errors.New("stack underflow")
	}
	return d.stack[len(d.stack)-1], nil
}

// popMark returns the items above the topmost mark and removes them and
// the mark.
func (d *unpickler) popMark() ([]any, error) {
	for i := len(d.stack) - 1; i >= 0; i-- {
		if _, ok := d.stack[i].(pyMark); ok {
			items := append([]any(nil), d.stack[i+1:]...)
			d.stack = d.stack[:i]
			return items, nil
		}
	}
	return nil, errors.New("no mark")
}

func (d *unpickler) readN(n uint64) ([]byte, error) {
	if n > maxPickleItems {
		return nil, fmt.Errorf("length %d too large", n)
	}
	// Read what is there rather than allocate what the length claims.
	b, err := io.ReadAll(io.LimitReader(d.r, int64(n)))
	if err == nil && uint64(len(b)) != n {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

func (d *unpickler) readLine() (string, error) {
	line, err := d.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return line[:len(line)-1], nil
}

// readGlobal reads the "module\nname\n" of GLOBAL and INST as
// "module.name".
func (d *unpickler) readGlobal() (string, error) {
	mod, err := d.readLine()
	if err != nil {
		return "", err
	}
	name, err := d.readLine()
	return mod + "." + name, err
}

// pushLine reads a text opcode's line and pushes what read makes of it.
func (d *unpickler) pushLine(read func(string) (any, error)) error {
	line, err := d.readLine()
	if err != nil {
		return err
	}
	v, err := read(line)
	if err != nil {
		return err
	}
	d.push(v)
	return nil
}

// pushUint reads an n-byte little-endian integer and pushes it as an
// int64 (signed for the 4-byte BININT).
func (d *unpickler) pushUint(n int, signed bool) error {
	v, err := d.readUint(n)
	if err != nil {
		return err
	}
	if signed {
		d.push(int64(int32(uint32(v))))
	} else {
		d.push(int64(v))
	}
	return nil
}

// readSized reads a length of size bytes and then that many bytes.
func (d *unpickler) readSized(size int) ([]byte, error) {
	n, err := d.readUint(size)
	if err != nil {
		return nil, err
	}
	return d.readN(n)
}

// memoIndex reads the memo index of a PUT or GET opcode: a decimal line
// (p, g), one byte (q, h) or four little-endian bytes (r, j).
func (d *unpickler) memoIndex(op byte) (uint32, error) {
	switch op {
	case 'p', 'g':
		line, err := d.readLine()
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseUint(line, 10, 32)
		return uint32(n), err
	case 'q', 'h':
		n, err := d.readUint(1)
		return uint32(n), err
	}
	n, err := d.readUint(4)
	return uint32(n), err
}

func (d *unpickler) readUint(n int) (uint64, error) {
	b, err := d.readN(uint64(n))
	if err != nil {
		return 0, err
	}
	var buf [8]byte
	copy(buf[:], b)
	return binary.LittleEndian.Uint64(buf[:]), nil
}

func (d *unpickler) memoize(idx uint32) error {
	v, err := d.top()
	if err != nil {
		return err
	}
	d.memo[idx] = v
	return nil
}

func (d *unpickler) recall(idx uint32) error {
	v, ok := d.memo[idx]
	if !ok {
		return fmt.Errorf("memo %d not set", idx)
	}
	d.push(v)
	return nil
}

// hashable turns a dict key into a comparable Go value.
func hashable(k any) (any, error) {
	switch v := k.(type) {
	case nil, bool, int64, float64, string, pyGlobal:
		return v, nil
	case *big.Int:
		return v.String(), nil
	case pyTuple:
		// Only tuples of scalars: Python refuses lists in keys, and a
		// self-referencing value must not be walked.
		parts := make([]string, len(v))
		for i, it := range v {
			switch it.(type) {
			case nil, bool, int64, float64, string:
				parts[i] = fmt.Sprintf("%T:%v", it, it)
			default:
				return nil, fmt.Errorf("unhashable tuple item %T", it)
			}
		}
		return "(" + strings.Join(parts, ",") + ")", nil
	}
	return nil, fmt.Errorf("unhashable dict key %T", k)
}

func (d *unpickler) setItems(items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of dict items")
	}
	top, err := d.top()
	if err != nil {
		return err
	}
	switch m := top.(type) {
	case map[any]any:
		for i := 0; i < len(items); i += 2 {
			k, err := hashable(items[i])
			if err != nil {
				return err
			}
			m[k] = items[i+1]
		}
	case *pyObject: // a dict subclass's items: kept as state
		m.State = items
	default:
		return fmt.Errorf("SETITEMS on %T", top)
	}
	return nil
}

func (d *unpickler) appendItems(items []any) error {
	if len(d.stack) == 0 {
		return errors.New("stack underflow")
	}
	switch l := d.stack[len(d.stack)-1].(type) {
	case []any:
		if len(l)+len(items) > maxPickleItems {
			return errors.New("list too long")
		}
		d.stack[len(d.stack)-1] = append(l, items...)
	case *pyObject:
		l.Args = append(l.Args, items...)
	default:
		return fmt.Errorf("APPEND on %T", l)
	}
	return nil
}

// longFromBytes decodes a two's complement little-endian integer.
func longFromBytes(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

// pyQuoted undoes the repr quoting of protocol 0's STRING opcode.
func pyQuoted(s string) (string, error) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return "", fmt.Errorf("bad STRING %q", s)
	}
	body := s[1 : len(s)-1]
	var out bytes.Buffer
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			out.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			out.WriteByte('\n')
		case 't':
			out.WriteByte('\t')
		case 'r':
			out.WriteByte('\r')
		case 'x':
			if i+2 < len(body) {
				if n, err := strconv.ParseUint(body[i+1:i+3], 16, 8); err == nil {
					out.WriteByte(byte(n))
					i += 2
					continue
				}
			}
			out.WriteString(`\x`)
		default:
			out.WriteByte(body[i])
		}
	}
	return out.String(), nil
}

func (d *unpickler) run() (any, error) {
	for {
		op, err := d.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if err := d.step(op); err != nil {
			if errors.Is(err, errStop) {
				return d.pop()
			}
			return nil, fmt.Errorf("opcode %q: %w", op, err)
		}
	}
}

var errStop = errors.New("stop")

func (d *unpickler) step(op byte) error {
	switch op {
	case '.': // STOP
		return errStop
	case 0x80: // PROTO
		_, err := d.r.ReadByte()
		return err
	case 0x95: // FRAME
		_, err := d.readUint(8)
		return err
	case '(':
		d.push(pyMark{})
	case '0':
		_, err := d.pop()
		return err
	case '1':
		_, err := d.popMark()
		return err
	case '2':
		v, err := d.top()
		if err != nil {
			return err
		}
		d.push(v)
	case 'N':
		d.push(nil)
	case 0x88:
		d.push(true)
	case 0x89:
		d.push(false)
	case 'I', 'L': // INT, LONG (text)
		return d.pushLine(func(line string) (any, error) {
			if op == 'I' && (line == "00" || line == "01") {
				return line == "01", nil
			}
			line = strings.TrimSuffix(line, "L")
			n, ok := new(big.Int).SetString(line, 10)
			if !ok {
				return nil, fmt.Errorf("bad integer %q", line)
			}
			if n.IsInt64() {
				return n.Int64(), nil
			}
			return n, nil
		})
	case 'J':
		return d.pushUint(4, true)
	case 'K':
		return d.pushUint(1, false)
	case 'M':
		return d.pushUint(2, false)
	case 0x8a, 0x8b: // LONG1, LONG4
		size := 1
		if op == 0x8b {
			size = 4
		}
		b, err := d.readSized(size)
		if err != nil {
			return err
		}
		d.push(longFromBytes(b))
	case 'F':
		return d.pushLine(func(line string) (any, error) { return strconv.ParseFloat(line, 64) })
	case 'G':
		b, err := d.readN(8)
		if err != nil {
			return err
		}
		d.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'S':
		return d.pushLine(func(line string) (any, error) { return pyQuoted(line) })
	case 'T', 'U', 'B', 'C', 'X', 0x8c, 0x8d, 0x8e: // strings and bytes with a length
		size := map[byte]int{'T': 4, 'U': 1, 'B': 4, 'C': 1, 'X': 4, 0x8c: 1, 0x8d: 8, 0x8e: 8}[op]
		b, err := d.readSized(size)
		if err != nil {
			return err
		}
		if (op == 'X' || op == 0x8c || op == 0x8d) && !utf8.Valid(b) {
			return errors.New("unicode string is not UTF-8")
		}
		d.push(string(b))
	case 'V': // UNICODE (raw-unicode-escape, one line)
		return d.pushLine(func(line string) (any, error) { return rawUnicodeUnescape(line), nil })
	case ')':
		d.push(pyTuple{})
	case 't':
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(pyTuple(items))
	case 0x85, 0x86, 0x87:
		n := int(op - 0x84)
		if len(d.stack) < n {
			return errors.New("stack underflow")
		}
		items := append(pyTuple(nil), d.stack[len(d.stack)-n:]...)
		for _, it := range items {
			if _, ok := it.(pyMark); ok {
				return errors.New("unexpected mark")
			}
		}
		d.stack = d.stack[:len(d.stack)-n]
		d.push(items)
	case ']':
		d.push([]any{})
	case 'l':
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(items)
	case 'a':
		v, err := d.pop()
		if err != nil {
			return err
		}
		return d.appendItems([]any{v})
	case 'e':
		items, err := d.popMark()
		if err != nil {
			return err
		}
		return d.appendItems(items)
	case '}':
		d.push(map[any]any{})
	case 'd':
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(map[any]any{})
		return d.setItems(items)
	case 's':
		k, v, err := d.pop2()
		if err != nil {
			return err
		}
		return d.setItems([]any{k, v})
	case 'u':
		items, err := d.popMark()
		if err != nil {
			return err
		}
		return d.setItems(items)
	case 'p', 'q', 'r': // PUT, BINPUT, LONG_BINPUT
		n, err := d.memoIndex(op)
		if err != nil {
			return err
		}
		return d.memoize(n)
	case 0x94: // MEMOIZE
		d.nmemo++
		return d.memoize(d.nmemo - 1)
	case 'g', 'h', 'j': // GET, BINGET, LONG_BINGET
		n, err := d.memoIndex(op)
		if err != nil {
			return err
		}
		return d.recall(n)
	case 'c': // GLOBAL module\nname\n
		g, err := d.readGlobal()
		if err != nil {
			return err
		}
		d.push(pyGlobal(g))
	case 0x93: // STACK_GLOBAL
		mod, name, err := d.pop2()
		if err != nil {
			return err
		}
		d.push(pyGlobal(fmt.Sprint(mod) + "." + fmt.Sprint(name)))
	case 'R': // REDUCE
		fn, args, err := d.pop2()
		if err != nil {
			return err
		}
		return d.call(fn, args)
	case 0x81: // NEWOBJ
		cls, args, err := d.pop2()
		if err != nil {
			return err
		}
		t, _ := args.(pyTuple)
		d.push(&pyObject{Class: fmt.Sprint(cls), Args: t})
	case 'i': // INST module\nname\n after a mark with the args
		class, err := d.readGlobal()
		if err != nil {
			return err
		}
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(&pyObject{Class: class, Args: items})
	case 'o': // OBJ: mark, class, args...
		items, err := d.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return errors.New("OBJ without a class")
		}
		d.push(&pyObject{Class: fmt.Sprint(items[0]), Args: items[1:]})
	case 'b': // BUILD
		state, err := d.pop()
		if err != nil {
			return err
		}
		top, err := d.top()
		if err != nil {
			return err
		}
		if o, ok := top.(*pyObject); ok {
			o.State = state
			return nil
		}
		return fmt.Errorf("BUILD on %T", top)
	case 'P', 'Q': // persistent ids: Mailman never writes them
		return errors.New("persistent references are not supported")
	default:
		return fmt.Errorf("unknown opcode 0x%02x", op)
	}
	return nil
}

// call evaluates the one call Python 3 writes for bytes at protocols
// up to 2 (_codecs.encode(text, "latin1")); every other call becomes a
// pyObject.
func (d *unpickler) call(fn, args any) error {
	t, _ := args.(pyTuple)
	if g, ok := fn.(pyGlobal); ok && g == "_codecs.encode" && len(t) == 2 {
		if s, ok := t[0].(string); ok {
			b := make([]byte, 0, len(s))
			for _, r := range s {
				if r > 0xff {
					return errors.New("_codecs.encode: not latin-1")
				}
				b = append(b, byte(r))
			}
			d.push(string(b))
			return nil
		}
	}
	d.push(&pyObject{Class: fmt.Sprint(fn), Args: t})
	return nil
}

// rawUnicodeUnescape decodes protocol 0's raw-unicode-escape: \uXXXX and
// \UXXXXXXXX escapes; other bytes are Latin-1.
func rawUnicodeUnescape(s string) string {
	var out []rune
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+2+n], 16, 32); err == nil {
					out = append(out, rune(v))
					i += 1 + n
					continue
				}
			}
		}
		out = append(out, rune(s[i]))
	}
	return string(out)
}

// pyText turns a Python 2 str or unicode value into text: UTF-8 as is,
// other bytes read as Latin-1 (Mailman 2's default charset for English
// lists was us-ascii/iso-8859-1).
func pyText(v any) string {
	s, ok := v.(string)
	if !ok {
		return ""
	}
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}
