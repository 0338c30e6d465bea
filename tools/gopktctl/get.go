package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"time"
)

// getResult is what get prints (--json: this object).
type getResult struct {
	URL     string  `json:"url"`
	Status  string  `json:"status"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	SHA256  string  `json:"sha256"`
	Local   string  `json:"local"` // the daemon's end of the TCP connection
}

// runGet: "get [-o FILE] URL", an HTTP GET by Go's net/http client,
// unmodified, whose TCP connections come from the daemon's stack
// (control.Client.DialTCP, as nc's). The URL's host is an IP literal (the
// daemon resolves no names). --timeout bounds the connect and the
// response header; the body takes as long as it takes (Ctrl-C ends it).
// It prints the status, the byte count, the time and the body's SHA-256;
// -o also writes the body to FILE. A status other than 200 fails.
func runGet(ctx context.Context, c *cli, args []string) error {
	fs := verbFlags("get")
	outFile := fs.StringP("output", "o", "", "write the body to `FILE` too")
	if err := parseVerb(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one URL")
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			dctx, cancel := c.ctx(ctx)
			defer cancel()
			return c.c.DialTCP(dctx, addr)
		},
		ResponseHeaderTimeout: c.timeout,
		DisableCompression:    true, // the digest is of the bytes served
	}
	defer tr.CloseIdleConnections()
	var local string
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { local = i.Conn.LocalAddr().String() }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, fs.Arg(0), nil)
	if err != nil {
		return usagef("%v", err)
	}
	start := time.Now()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	h := sha256.New()
	var w io.Writer = h
	var f *os.File
	if *outFile != "" {
		if f, err = os.Create(*outFile); err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(h, f)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return fmt.Errorf("%s: body after %d bytes: %w", fs.Arg(0), n, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
	}
	r := getResult{URL: fs.Arg(0), Status: resp.Status, Bytes: n, Seconds: time.Since(start).Seconds(),
		SHA256: hex.EncodeToString(h.Sum(nil)), Local: local}
	if err := c.emit(r, func(w io.Writer) {
		fmt.Fprintf(w, "%s: %s, %d bytes in %.3f s (%.2f MB/s) from %s, sha256 %s\n",
			r.URL, r.Status, r.Bytes, r.Seconds, float64(r.Bytes)/r.Seconds/1e6, r.Local, r.SHA256)
	}); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", r.URL, resp.Status)
	}
	return nil
}
