module unp-go.dev/lab

go 1.26.0
