module unp-go.dev/beyond/serv13-upgrade

go 1.26.0

require (
	golang.org/x/sys v0.50.0
	unp-go.dev/unp v0.0.0
)

replace unp-go.dev/unp => ../../unp
