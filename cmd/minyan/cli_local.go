package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"syscall"
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
	// keep refuses to replace an existing file (backup without --force).
	keep bool
}

// createLocalFile starts writing name (in the current directory when
// relative). It refuses a name that is a database some process holds
// open (the live store, however it is spelled: relative, through a
// symlink or a hard link), and with keep an existing file.
func createLocalFile(name string, keep bool) (*localFile, error) {
	if err := checkOutputTarget(name, keep); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return &localFile{f: f, name: name, keep: keep}, nil
}

// checkOutputTarget refuses an output name that is in use as a database
// or, with keep, that exists.
func checkOutputTarget(name string, keep bool) error {
	if inUse, err := lockedByAnother(name); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	} else if inUse {
		return fmt.Errorf("%s is in use by a running minyan (it is the live store); write the copy to another file", name)
	}
	if keep {
		if _, err := os.Lstat(name); err == nil {
			return fmt.Errorf("%s exists; add --force to replace it", name)
		}
	}
	return nil
}

// lockedByAnother tells whether name is a file some open database holds
// locked (bbolt takes an exclusive flock on its file for as long as it
// is open, in this process too: a second open file description
// conflicts). A missing file is not.
func lockedByAnother(name string) (bool, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return false, nil
}

// Write appends to the temporary file.
func (l *localFile) Write(p []byte) (int, error) { return l.f.Write(p) }

// Commit flushes the file to disk and moves it into place: checked again
// just before (the store may have been opened meanwhile), and without
// keep by a link, which fails if the name was taken meanwhile.
func (l *localFile) Commit() error {
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkOutputTarget(l.name, l.keep)
	}
	if err == nil {
		if l.keep {
			if err = os.Link(l.f.Name(), l.name); err == nil {
				os.Remove(l.f.Name())
			}
		} else {
			err = os.Rename(l.f.Name(), l.name)
		}
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
		CreateFile: func(name string, keep bool) (outputFile, error) {
			f, err := createLocalFile(name, keep)
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
