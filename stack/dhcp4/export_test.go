package dhcp4

// Sync waits until the client goroutine has finished the event it is
// handling and re-armed its timer, so a test reading the manual clock's
// next deadline sees the current one.
func (c *Client) Sync() {
	reply := make(chan error, 1)
	select {
	case c.cmds <- command{sync: true, reply: reply}:
		<-reply
	case <-c.done:
	}
}
