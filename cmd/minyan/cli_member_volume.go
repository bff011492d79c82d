package main

import (
	"context"

	"minyan/listserv"
	"minyan/store"
)

// volumeFlags are `member set --digest daily|weekly` and `--topics`.
type volumeFlags struct {
	freq      store.DigestFrequency
	topics    []string
	setTopics bool
}

func parseVolumeFlags(env *cmdEnv, freq, topics string) (volumeFlags, error) {
	var v volumeFlags
	if freq != "" {
		f, ok := store.ParseDigestFrequency(freq)
		if !ok {
			return v, env.usage("--digest " + freq + ": must be daily or weekly")
		}
		v.freq = f
	}
	if topics != "" {
		ts, ok := listserv.ParseTopicList(topics)
		if !ok {
			return v, env.usage("--topics " + topics + ": topic names (letters, digits, - and _) separated by commas, or all")
		}
		v.topics, v.setTopics = ts, true
	}
	return v, nil
}

// apply makes the changes and names them for the answer.
func (v volumeFlags) apply(ctx context.Context, env *cmdEnv, list, addr string) ([]string, error) {
	var changes []string
	if v.freq != "" {
		if err := env.app.Svc.SetDigestFrequency(ctx, env.actor(), list, addr, v.freq); err != nil {
			return nil, err
		}
		changes = append(changes, "digest="+string(v.freq))
	}
	if v.setTopics {
		if _, err := env.app.Svc.SetTopics(ctx, env.actor(), list, addr, v.topics); err != nil {
			return nil, err
		}
		t := "all"
		if len(v.topics) > 0 {
			t = ""
			for i, x := range v.topics {
				if i > 0 {
					t += ","
				}
				t += x
			}
		}
		changes = append(changes, "topics="+t)
	}
	return changes, nil
}
