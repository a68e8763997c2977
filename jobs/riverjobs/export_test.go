package riverjobs

import "github.com/riverqueue/river"

// Subscribe lets a test wait for River's events instead of sleeping.
func (q *Queue) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return q.client.Subscribe(kinds...)
}
