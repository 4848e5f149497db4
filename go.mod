module unp-go.dev

go 1.26.0

require (
	github.com/rogpeppe/go-internal v1.16.0
	unp-go.dev/lab v0.0.0
)

require (
	golang.org/x/sys v0.26.0
	golang.org/x/tools v0.26.0 // indirect
)

replace unp-go.dev/lab => ./lab
