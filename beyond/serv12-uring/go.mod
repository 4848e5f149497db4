module unp-go.dev/beyond/serv12-uring

go 1.26.0

require unp-go.dev/unp v0.0.0

require golang.org/x/sys v0.50.0

replace unp-go.dev/unp => ../../unp
