module unp-go.dev/read

go 1.26.0

require (
	github.com/alecthomas/chroma/v2 v2.27.0
	github.com/yuin/goldmark v1.8.7
)

require (
	github.com/dlclark/regexp2/v2 v2.2.1 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

require unp-go.dev/lab v0.0.0

replace unp-go.dev/lab => ../lab
