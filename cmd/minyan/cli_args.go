package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// globalArgs are the flags every command accepts, anywhere on the line.
type globalArgs struct {
	// config is the --config value ("" if not given).
	config string
	// configGiven tells --config was on the line (even if empty).
	configGiven bool
}

// splitGlobalArgs takes the global --config flag out of args, wherever it
// stands (before or after the subcommand name; both are documented spellings), and
// returns the rest for the subcommand. Both --config PATH and
// --config=PATH work, with one dash or two. A "--" ends the search, so a
// positional argument can still be spelled "--config".
func splitGlobalArgs(args []string) (globalArgs, []string, error) {
	var g globalArgs
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return g, nil, errors.New("--config needs a file name: --config PATH")
			}
			i++
			value = args[i]
		}
		if value == "" {
			return g, nil, errors.New("--config needs a file name: --config PATH")
		}
		g.config, g.configGiven = value, true
	}
	return g, rest, nil
}

// configPath decides which config file to read: --config, else
// $MINYAN_CONFIG, else ./config.toml when it exists, else "" (the
// built-in example config). A file named explicitly must exist; that
// check is LoadConfig's, which reports the missing file.
func configPath(g globalArgs, getenv func(string) string) (string, error) {
	if g.configGiven {
		return g.config, nil
	}
	if p := getenv("MINYAN_CONFIG"); p != "" {
		return p, nil
	}
	_, err := os.Stat("config.toml")
	switch {
	case err == nil:
		return "config.toml", nil
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	default:
		return "", fmt.Errorf("config: %w", err)
	}
}
