package cli

import (
	"bufio"
	"os"
	"syscall"
	"unsafe"
)

// readHidden reads a line from the terminal f with echo turned off, and
// turns it back on whatever happens.
func readHidden(f *os.File, r *bufio.Reader) (string, error) {
	fd := f.Fd()
	var old syscall.Termios
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&old))); errno != 0 {
		return readLine(r) // not a real terminal after all
	}
	quiet := old
	quiet.Lflag &^= syscall.ECHO
	quiet.Lflag |= syscall.ICANON | syscall.ISIG
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&quiet))); errno != 0 {
		return readLine(r)
	}
	defer syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&old)))
	return readLine(r)
}
