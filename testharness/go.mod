module github.com/astrotask/astrotask-go/testharness

go 1.26

require (
	github.com/astrotask/astrotask-go/cli v0.0.0
	github.com/astrotask/astrotask-go/lockcore v0.0.0
	github.com/astrotask/astrotask-go/mcpserver v0.0.0
	github.com/astrotask/astrotask-go/taskstore v0.0.0
)

replace (
	github.com/astrotask/astrotask-go/cli => ../cli
	github.com/astrotask/astrotask-go/lockcore => ../lockcore
	github.com/astrotask/astrotask-go/mcpserver => ../mcpserver
	github.com/astrotask/astrotask-go/taskstore => ../taskstore
)
