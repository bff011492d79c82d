package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
)

// readLocalFile reads an input file named on the command line ("-" is
// standard input), refusing files larger than maxInputFile so a wrong
// argument (a disk image, /dev/zero) fails fast instead of filling memory.
func readLocalFile(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInputFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxInputFile {
		return nil, fmt.Errorf("%s is larger than %d MiB; split it into smaller files", name, maxInputFile>>20)
	}
	return data, nil
}

// localFile is an outputFile in this process: a temporary file in the
// target's directory, renamed over the target on Commit. It keeps the
// temporary file's 0600 mode, since an archive may be members-only.
type localFile struct {
	f    *os.File
	name string
}

// createLocalFile starts writing name (in the current directory when
// relative).
func createLocalFile(name string) (*localFile, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return &localFile{f: f, name: name}, nil
}

// Write appends to the temporary file.
func (l *localFile) Write(p []byte) (int, error) { return l.f.Write(p) }

// Commit flushes the file to disk and moves it into place.
func (l *localFile) Commit() error {
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(l.f.Name(), l.name)
	}
	if err != nil {
		os.Remove(l.f.Name())
		return fmt.Errorf("write %s: %w", l.name, err)
	}
	return nil
}

// Abort removes the temporary file.
func (l *localFile) Abort() {
	l.f.Close()
	os.Remove(l.f.Name())
}

// localIO is the cmdIO of a command run in this process.
func localIO(stdin io.Reader, stdout, stderr io.Writer, prog progressReporter) cmdIO {
	return cmdIO{
		Stdout:   stdout,
		Stderr:   stderr,
		ReadFile: func(name string) ([]byte, error) { return readLocalFile(name, stdin) },
		CreateFile: func(name string) (outputFile, error) {
			f, err := createLocalFile(name)
			if err != nil {
				return nil, err
			}
			return f, nil
		},
		Progress: prog,
		Who:      currentUser(),
	}
}

// currentUser names who runs the command, for the history of held items.
func currentUser() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		return "command line"
	}
	return name + " (command line)"
}
