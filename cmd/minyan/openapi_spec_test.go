package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	yaml4 "go.yaml.in/yaml/v4"
	yaml11 "gopkg.in/yaml.v2"
)

const openapiPath = "../../docs/openapi.yaml"

// TestOpenAPISpecValid: docs/openapi.yaml is checked two ways. kin-openapi
// loads it with a YAML 1.2 reader and validates it. Then the document is
// read as a YAML 1.1 reader reads it (gopkg.in/yaml.v2, as many
// validators still do), where a bare yes, no, on or off is a boolean: the
// spec had `required: [yes, no, maybe]` and `yes:` keys, which such
// validators refused. That reading must give the same document, and
// kin-openapi must validate it too.
func TestOpenAPISpecValid(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(openapiPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("kin-openapi cannot load docs/openapi.yaml: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("docs/openapi.yaml is not a valid OpenAPI document: %v", err)
	}

	var v11 any
	if err := yaml11.Unmarshal(raw, &v11); err != nil {
		t.Fatalf("YAML 1.1 reading: %v", err)
	}
	j11, err := toJSONTree(v11, "")
	if err != nil {
		t.Fatalf("YAML 1.1 reading: %v", err)
	}
	var v12 any
	if err := yaml4.Unmarshal(raw, &v12); err != nil {
		t.Fatalf("YAML 1.2 reading: %v", err)
	}
	j12, err := toJSONTree(v12, "")
	if err != nil {
		t.Fatalf("YAML 1.2 reading: %v", err)
	}
	b11, _ := json.Marshal(j11)
	b12, _ := json.Marshal(j12)
	if string(b11) != string(b12) {
		t.Errorf("YAML 1.1 and 1.2 readers read docs/openapi.yaml differently (an unquoted yes/no/on/off?)")
	}
	doc11, err := openapi3.NewLoader().LoadFromData(b11)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the YAML 1.1 reading: %v", err)
	}
	if err := doc11.Validate(ctx); err != nil {
		t.Fatalf("the YAML 1.1 reading is not a valid OpenAPI document: %v", err)
	}
}

// TestOpenAPISpecQuotesBooleanWords: no plain (unquoted) scalar in
// docs/openapi.yaml is one of the words YAML 1.1 reads as a boolean.
func TestOpenAPISpecQuotesBooleanWords(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(openapiPath)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml4.Node
	if err := yaml4.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{"yes": true, "no": true, "on": true, "off": true, "y": true, "n": true}
	var walk func(n *yaml4.Node)
	walk = func(n *yaml4.Node) {
		if n.Kind == yaml4.ScalarNode && n.Style&(yaml4.SingleQuotedStyle|yaml4.DoubleQuotedStyle|yaml4.LiteralStyle|yaml4.FoldedStyle) == 0 &&
			words[strings.ToLower(n.Value)] {
			t.Errorf("docs/openapi.yaml line %d: unquoted %q (YAML 1.1 reads a boolean); quote it", n.Line, n.Value)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
}

// toJSONTree turns a decoded YAML value into one encoding/json can
// write, refusing map keys that are not strings (YAML 1.1 makes `yes:` a
// boolean key).
func toJSONTree(v any, at string) (any, error) {
	switch x := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("%s: key %v is a %T, not a string", at, k, k)
			}
			c, err := toJSONTree(e, at+"/"+ks)
			if err != nil {
				return nil, err
			}
			out[ks] = c
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := toJSONTree(e, at+"/"+k)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := toJSONTree(e, fmt.Sprintf("%s/%d", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}
