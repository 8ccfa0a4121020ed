package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
)

// The languages of the interface. Chinese comes first: it is the default
// for every visitor who has not chosen.
var langs = []string{"zh", "en"}

const defaultLang = "zh"

func validLang(l string) bool { return l == "zh" || l == "en" }

// htmlLang returns the value of <html lang>.
func htmlLang(l string) string {
	if l == "zh" {
		return "zh-CN"
	}
	return l
}

//go:embed i18n/*.json
var catalogFiles embed.FS

// catalog maps message keys to texts in one language. Texts with
// arguments are fmt formats.
type catalog map[string]string

// T returns the text of key, formatted with args. A missing key shows as
// the key itself, which the catalog test keeps from happening.
func (c catalog) T(key string, args ...any) string {
	s, ok := c[key]
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// loadCatalogs reads each language's catalog: i18n/<lang>.json and the
// files of its modules, i18n/<lang>.<module>.json, which may not repeat a
// key.
func loadCatalogs() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, l := range langs {
		names, err := fs.Glob(catalogFiles, "i18n/"+l+".*json")
		if err != nil {
			return nil, err
		}
		c := catalog{}
		for _, name := range names {
			b, err := catalogFiles.ReadFile(name)
			if err != nil {
				return nil, err
			}
			var part catalog
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := c[k]; dup {
					return nil, fmt.Errorf("%s: key %q is already in another file", name, k)
				}
				c[k] = v
			}
		}
		out[l] = c
	}
	return out, nil
}
