package journal

// Commits is how many transactions j's writer committed, for the tests of
// group commit.
func Commits(j *Journal) int64 { return j.commits.Load() }
