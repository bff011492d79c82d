package digest

import (
	"os"
	"testing"

	"minyan/listserv/testkit/chrome"
)

// TestMain ends the one Chromium the browser tests share (see
// listserv/testkit/chrome) after the last test.
func TestMain(m *testing.M) { os.Exit(chrome.Main(m)) }
