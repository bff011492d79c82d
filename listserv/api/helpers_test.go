package api

import (
	"io"
	"log/slog"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// benchN is the roster size of the GET benchmark.
const benchN = 100_000
