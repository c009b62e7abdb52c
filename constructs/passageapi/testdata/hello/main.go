// Command hello is a stand-in handler that the construct tests build.
package main

func main() {}
