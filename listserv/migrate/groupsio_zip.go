package migrate

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"strings"
)

// groups.io's archive export is messages.zip with the group's messages
// as one mbox file (messages.mbox) inside.

// maxZipMbox bounds the mbox read out of a zip file (a zip bomb guard).
const maxZipMbox = 16 << 30

// OpenZipMbox finds the mbox in a groups.io messages.zip and returns it
// with its uncompressed size.
func OpenZipMbox(r io.ReaderAt, size int64) (io.ReadCloser, int64, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, 0, fmt.Errorf("messages.zip: %w", err)
	}
	var pick *zip.File
	for _, f := range zr.File {
		if strings.HasSuffix(strings.ToLower(f.Name), ".mbox") && (pick == nil || path.Base(f.Name) == "messages.mbox") {
			pick = f
		}
	}
	if pick == nil {
		return nil, 0, fmt.Errorf("messages.zip holds no .mbox file")
	}
	if pick.UncompressedSize64 > maxZipMbox {
		return nil, 0, fmt.Errorf("messages.zip: %s is larger than %d GiB", pick.Name, maxZipMbox>>30)
	}
	rc, err := pick.Open()
	if err != nil {
		return nil, 0, fmt.Errorf("messages.zip: %w", err)
	}
	return rc, int64(pick.UncompressedSize64), nil
}

// MboxFromZip reads the mbox of a messages.zip into memory (tests and
// small groups; the command line spools it to a file instead).
func MboxFromZip(r io.ReaderAt, size int64) ([]byte, error) {
	rc, n, err := OpenZipMbox(r, size)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b := make([]byte, 0, n)
	buf := make([]byte, 32<<10)
	for {
		k, err := rc.Read(buf)
		b = append(b, buf[:k]...)
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, fmt.Errorf("messages.zip: %w", err)
		}
	}
}
