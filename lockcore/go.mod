module github.com/astrotask/astrotask-go/lockcore

go 1.26.0

require (
	github.com/gofrs/flock v0.13.2
	github.com/google/go-cmp v0.7.0
	golang.org/x/sync v0.25.0
	golang.org/x/sys v0.50.0
)
