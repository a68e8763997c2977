// Package httpapi gives a host the HTTP handlers its chat needs.
package httpapi
