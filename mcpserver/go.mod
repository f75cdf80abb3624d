module github.com/astrotask/astrotask-go/mcpserver

go 1.26.0

require (
	github.com/astrotask/astrotask-go/lockcore v0.0.0
	github.com/astrotask/astrotask-go/taskstore v0.0.0
)

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/modelcontextprotocol/go-sdk v1.8.0 // indirect
)

replace (
	github.com/astrotask/astrotask-go/lockcore => ../lockcore
	github.com/astrotask/astrotask-go/taskstore => ../taskstore
)
