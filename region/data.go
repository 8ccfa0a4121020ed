package region

import _ "embed" // the data files below are part of the binary

// The data is embedded rather than read from disk so that a binary always
// carries the edition its tests checked, and runs from any directory.

//go:embed data/divisions/divisions.csv
var divisionsCSV string

//go:embed data/divisions/SOURCE.md
var divisionsSource string

//go:embed data/population/population.csv
var populationCSV string

//go:embed data/population/SOURCE.md
var populationSource string

// Names of the embedded data files, used as keys of Sources and in error
// messages.
const (
	divisionsFile  = "divisions.csv"
	populationFile = "population.csv"
)

// Sources returns the provenance note (SOURCE.md) of each embedded data
// file, keyed by file name ("divisions.csv", "population.csv"), so the binary
// can show users which edition and licence its figures come from. The map is
// new on every call; changing it changes nothing else.
func Sources() map[string]string {
	return map[string]string{
		divisionsFile:  divisionsSource,
		populationFile: populationSource,
	}
}
