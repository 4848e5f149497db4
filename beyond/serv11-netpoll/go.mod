module unp-go.dev/beyond/serv11-netpoll

go 1.26.0

require unp-go.dev/unp v0.0.0

require golang.org/x/sys v0.50.0 // indirect

replace unp-go.dev/unp => ../../unp
