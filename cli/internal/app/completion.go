package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// completionShells are the shells `astro completion` writes a script for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// completionCommand is `astro completion SHELL`: it prints a script that
// asks astro itself (its hidden --generate-bash-completion flag) for the
// commands and flags that can follow what is typed.
func completionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh, fish or powershell",
		UsageText: "astro completion bash|zsh|fish|powershell",
		Description: "bash:        source <(astro completion bash)      (or save it in ~/.local/share/bash-completion/completions/astro)\n" +
			"zsh:         source <(astro completion zsh)       (or save it as _astro in a directory on $fpath)\n" +
			"fish:        astro completion fish > ~/.config/fish/completions/astro.fish\n" +
			"powershell:  astro completion powershell | Out-String | Invoke-Expression",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion needs one shell: %s", strings.Join(completionShells, ", "))
			}
			script, err := completionScript(c.App, c.Args().First())
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(e.stdout, script)
			return err
		},
	}
}

// completionScript returns the completion script of app for shell.
func completionScript(app *cli.App, shell string) (string, error) {
	name := app.Name
	switch shell {
	case "bash":
		return strings.ReplaceAll(bashCompletion, "PROG", name), nil
	case "zsh":
		return strings.ReplaceAll(zshCompletion, "PROG", name), nil
	case "fish":
		return app.ToFishCompletion()
	case "powershell":
		return strings.ReplaceAll(powershellCompletion, "PROG", name), nil
	}
	return "", usagef("unknown shell %q (use %s)", shell, strings.Join(completionShells, ", "))
}

// The scripts run the words typed so far with --generate-bash-completion
// appended, without eval, so nothing typed on the line is executed.
const bashCompletion = `# bash completion for PROG
_PROG_complete() {
	local cur="${COMP_WORDS[COMP_CWORD]}"
	local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
	[[ "$cur" == -* ]] && words+=("$cur")
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$("${words[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _PROG_complete PROG
`

const zshCompletion = `#compdef PROG
# zsh completion for PROG
_PROG_complete() {
	local -a opts
	local cur=${words[CURRENT]}
	local -a typed=("${(@)words[1,CURRENT-1]}")
	[[ "$cur" == -* ]] && typed+=("$cur")
	opts=("${(@f)$("${typed[@]}" --generate-bash-completion 2>/dev/null)}")
	if [[ -n "${opts[1]}" ]]; then
		compadd -a opts
	else
		_files
	fi
}
compdef _PROG_complete PROG
`

const powershellCompletion = `# PowerShell completion for PROG
Register-ArgumentCompleter -Native -CommandName 'PROG', 'PROG.exe' -ScriptBlock {
	param($wordToComplete, $commandAst, $cursorPosition)
	$words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })
	if ($wordToComplete -ne '' -and $words.Count -gt 0 -and $words[-1] -eq $wordToComplete) { $words = $words[0..($words.Count - 2)] }
	$rest = @()
	if ($words.Count -gt 1) { $rest = $words[1..($words.Count - 1)] }
	if ($wordToComplete -like '-*') { $rest += $wordToComplete }
	& $words[0] @rest --generate-bash-completion 2>$null | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
		[System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
	}
}
`
