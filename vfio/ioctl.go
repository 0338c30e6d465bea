package vfio

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctlPtr issues request on fd with a pointer argument and returns the
// kernel's return value.
func ioctlPtr(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if errno != 0 {
		return int(r), errno
	}
	return int(r), nil
}

// ioctlVal issues request on fd with an integer argument.
func ioctlVal(fd int, req uintptr, arg uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, arg)
	if errno != 0 {
		return int(r), errno
	}
	return int(r), nil
}

// infoBuf is an 8-byte aligned buffer for the INFO ioctls whose answers carry
// a capability chain after a fixed struct.
func infoBuf(n int) []byte {
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)[:n]
}

// maxInfo bounds the buffer an INFO ioctl may ask for.
const maxInfo = 1 << 20

// infoWithCaps runs an INFO ioctl whose argument starts with argsz: once with
// the fixed struct, and again with the size the kernel asks for when its
// capability chain did not fit (linux/vfio.h: "Callers of INFO ioctls passing
// insufficiently sized buffers will see the capability chain flag bit set ...
// and argsz will be updated to report the necessary buffer size"). prep fills
// the request fields after argsz.
func infoWithCaps(fd int, req uintptr, fixed int, prep func([]byte)) ([]byte, error) {
	n := fixed
	for try := 0; try < 3; try++ {
		buf := infoBuf(n)
		le.PutUint32(buf, uint32(n))
		prep(buf)
		if _, err := ioctlPtr(fd, req, unsafe.Pointer(&buf[0])); err != nil {
			return nil, err
		}
		want := int(le.Uint32(buf))
		if want <= n {
			return buf, nil
		}
		if want > maxInfo {
			break
		}
		n = want
	}
	return nil, ErrMalformed
}
