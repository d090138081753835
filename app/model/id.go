package model

import (
	"crypto/rand"
)

// idAlphabet is Meteor's Random.id alphabet: no 0, 1, I, O, l, o or V-like look-alikes.
const idAlphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"

// IDLength is the length of a Meteor-style document id.
const IDLength = 17

// NewID returns a new 17-character random id in Meteor's alphabet, as Rocket.Chat uses for
// every document it creates.
func NewID() string { return RandomString(IDLength) }

// RandomString returns n characters drawn uniformly from Meteor's id alphabet using a
// cryptographic source, so it is also fit for tokens.
func RandomString(n int) string {
	const max = 256 - 256%len(idAlphabet) // reject bytes that would bias the draw
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf) // never fails on supported platforms
		for _, b := range buf {
			if int(b) < max {
				out = append(out, idAlphabet[int(b)%len(idAlphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
