package main

import "io"

func checkAPI(r *repo, write bool, out io.Writer) error { return nil }
