package main

import (
	"context"
	"log/slog"
)

// startIMAP serves the read-only archive over IMAP on server.imap_listen.
func (s *Server) startIMAP(ctx context.Context, cfg *Config, log *slog.Logger) error {
	return nil // wired by the IMAP work (issue 5)
}
