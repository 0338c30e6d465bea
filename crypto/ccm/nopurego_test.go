//go:build !purego

package ccm

const purego = false
