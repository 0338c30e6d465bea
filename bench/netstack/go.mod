module github.com/gopkt/gopkt/bench/netstack

go 1.26.3

require github.com/gopkt/gopkt v0.0.0

require (
	github.com/google/btree v1.1.2 // indirect
	golang.org/x/exp v0.0.0-20250711185948-6ae5c78190dc // indirect
)

require (
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/time v0.16.0 // indirect
	gvisor.dev/gvisor v0.0.0-20260701204157-69c2d17aea96
)

replace github.com/gopkt/gopkt => ../..
