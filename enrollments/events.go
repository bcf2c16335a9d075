package enrollments

import (
	"time"

	"github.com/lectern/lectern/internal/events"
)

// The events this domain writes to the log.
const (
	EventEnrollmentCreated = "enrollment.created"
	EventLessonCompleted   = "lesson.completed"
	EventCourseCompleted   = "course.completed"
)

// EnrollmentCreated is the payload of enrollment.created: a learner was
// enrolled, by any path (themself, staff, a bulk request, a group rule).
type EnrollmentCreated struct {
	EnrollmentID string     `json:"enrollment_id"`
	CourseID     string     `json:"course_id"`
	UserID       string     `json:"user_id"`
	Source       string     `json:"source"`
	DueAt        *time.Time `json:"due_at"`
	EnrolledAt   time.Time  `json:"enrolled_at"`
}

// LessonCompleted is the payload of lesson.completed.
type LessonCompleted struct {
	CourseID    string    `json:"course_id"`
	LessonID    string    `json:"lesson_id"`
	UserID      string    `json:"user_id"`
	CompletedAt time.Time `json:"completed_at"`
}

// CourseCompleted is the payload of course.completed: the learner completed
// the course's last lesson.
type CourseCompleted struct {
	EnrollmentID string    `json:"enrollment_id"`
	CourseID     string    `json:"course_id"`
	UserID       string    `json:"user_id"`
	CompletedAt  time.Time `json:"completed_at"`
}

func (e EnrollmentCreated) event() events.Event {
	return events.Event{Type: EventEnrollmentCreated, Subject: "enrollments/" + e.EnrollmentID, OccurredAt: e.EnrolledAt, Payload: e}
}

func (e LessonCompleted) event() events.Event {
	return events.Event{Type: EventLessonCompleted, Subject: "lessons/" + e.LessonID + "/learners/" + e.UserID, OccurredAt: e.CompletedAt, Payload: e}
}

func (e CourseCompleted) event() events.Event {
	return events.Event{Type: EventCourseCompleted, Subject: "enrollments/" + e.EnrollmentID, OccurredAt: e.CompletedAt, Payload: e}
}

// created turns new enrollments into their events.
func created(es []EnrollmentCreated) []events.Event {
	out := make([]events.Event, len(es))
	for i, e := range es {
		out[i] = e.event()
	}
	return out
}
