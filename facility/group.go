package facility

// Group is a count of the facilities of one region that share the values
// of some fields on a date, with other fields summed over them. The
// commitments engine asks the store for groups rather than for records:
// a national evaluation then reads a few thousand rows instead of every
// facility, and grows with the variety of values, not with the number of
// facilities.
type Group struct {
	// Region is the facilities' region code.
	Region string
	// Values are the grouped fields' values, in the order asked for,
	// typed as in a Record (string, int64, bool).
	Values []any
	// Count is how many facilities the group holds.
	Count int64
	// Sums are the summed fields' totals, in the order asked for.
	Sums []int64
}
