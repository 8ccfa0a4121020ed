package web

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/facility"
)

// TestCatalogKeys checks that both languages have the same keys, that no
// text is empty, that formats take the same arguments in both, and that
// every key the code and the templates use exists.
func TestCatalogKeys(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	zh, en := cats["zh"], cats["en"]
	for k, v := range zh {
		e, ok := en[k]
		if !ok {
			t.Errorf("en.json lacks %q", k)
			continue
		}
		if v == "" || e == "" {
			t.Errorf("%q is empty in a catalog", k)
		}
		if a, b := verbs(v), verbs(e); !slices.Equal(a, b) {
			t.Errorf("%q: zh takes %v, en takes %v", k, a, b)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh.json lacks %q", k)
		}
	}
	for _, k := range usedKeys(t) {
		if _, ok := zh[k]; !ok {
			t.Errorf("key %q is used but not in the catalogs", k)
		}
	}
	for _, sc := range facility.Registries() {
		if _, ok := zh["short."+sc.Name]; !ok {
			t.Errorf("no short name for registry %s", sc.Name)
		}
	}
}

var verbRE = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func verbs(s string) []string { return verbRE.FindAllString(s, -1) }

// usedKeys collects the catalog keys named in the templates ({{t "key"}})
// and in the Go code (T("key"), badRequest("key"), key: "key", …).
func usedKeys(t *testing.T) []string {
	tmplRE := regexp.MustCompile(`\bt "([a-z0-9_.]+)"`)
	goRE := regexp.MustCompile(`(?:\.T|badRequest|notFound|s\.msg)\("([a-z0-9_]+\.[a-z0-9_.]+)"|key:\s+"([a-z0-9_.]+)"|key (?::=|=) "([a-z0-9_.]+)"`)
	var keys []string
	add := func(re *regexp.Regexp, files []string) {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				for _, k := range m[1:] {
					if k != "" && !slices.Contains(keys, k) {
						keys = append(keys, k)
					}
				}
			}
		}
	}
	tmpls, _ := filepath.Glob("templates/*.html")
	var gos []string
	all, _ := filepath.Glob("*.go")
	for _, f := range all {
		if !strings.HasSuffix(f, "_test.go") {
			gos = append(gos, f)
		}
	}
	add(tmplRE, tmpls)
	add(goRE, gos)
	if len(keys) < 50 {
		t.Fatalf("found only %d keys in use: the pattern is broken", len(keys))
	}
	return keys
}
