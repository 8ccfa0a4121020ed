package web

import (
	"embed"
	"encoding/json"
	"fmt"
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

func loadCatalogs() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, l := range langs {
		b, err := catalogFiles.ReadFile("i18n/" + l + ".json")
		if err != nil {
			return nil, err
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("i18n/%s.json: %w", l, err)
		}
		out[l] = c
	}
	return out, nil
}
