module github.com/astrotask/astrotask-go/scripts/wine/probe

go 1.26.0

require golang.org/x/sys v0.50.0
