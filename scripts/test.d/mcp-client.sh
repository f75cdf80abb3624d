# Sourced by scripts/test.sh from the repository root before the Go tests:
# installs the pinned TypeScript MCP SDK and Claude tokenizer that mcpserver's independent client
# tests (TestTypeScriptClient, TestTokenBudget) run against the built astrotask-mcp.
npm ci --prefix mcpserver/testdata/tsclient --no-audit --no-fund
