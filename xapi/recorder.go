package xapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/internal/events"
)

// Verbs and activity types of Lectern's own record.
const (
	VerbRegistered   = "http://adlnet.gov/expapi/verbs/registered"
	VerbCompleted    = "http://adlnet.gov/expapi/verbs/completed"
	ActivityCourse   = "http://adlnet.gov/expapi/activities/course"
	ActivityLesson   = "http://adlnet.gov/expapi/activities/lesson"
	recordNamespace  = "lectern-event:"
	defaultPoll      = 5 * time.Second
	defaultRecordMax = 500
)

// CourseIRI is the activity id of a course: stable, under the public URL.
func CourseIRI(publicURL, courseID string) string {
	return strings.TrimRight(publicURL, "/") + "/courses/" + courseID
}

// LessonIRI is the activity id of a lesson of a course.
func LessonIRI(publicURL, courseID, lessonID string) string {
	return CourseIRI(publicURL, courseID) + "/lessons/" + lessonID
}

// Recorder writes Lectern's own record into each organization's LRS as it
// happens, from the event log: a learner registered in a course
// (enrollment.created), completed a lesson or a course. Each event becomes
// one statement whose id is derived from the event's, so that taking an
// event twice (a crash between writing and marking) stores it once. DB is
// the system pool (the worker's).
type Recorder struct {
	DB        *pgxpool.Pool
	PublicURL string
	Log       *slog.Logger
	// Poll is how often it looks when no notification comes (5 s);
	// Batch how many events it takes at a time (500).
	Poll  time.Duration
	Batch int
}

// Run records until ctx is done (events.Follow).
func (r *Recorder) Run(ctx context.Context) {
	poll := r.Poll
	if poll <= 0 {
		poll = defaultPoll
	}
	events.Follow(ctx, r.DB, poll, r.Log, "LRS recorder", func(ctx context.Context) {
		for ctx.Err() == nil {
			n, err := r.Round(ctx)
			if err != nil {
				r.Log.Warn("record events in the LRS", "err", err)
				return
			}
			if n < r.batch() {
				return
			}
		}
	})
}

func (r *Recorder) batch() int {
	if r.Batch > 0 {
		return r.Batch
	}
	return defaultRecordMax
}

// recordedEvent is an event with what its statement names.
type recordedEvent struct {
	id           int64
	org, typ     string
	payload      []byte
	at           time.Time
	course       *string // title
	lesson       *string // title
	registration *string // the enrollment
}

// Round takes up to Batch events no recorder has taken, writes their
// statements (one batch per organization, in its own confined
// transaction) and marks them taken. It reports how many it took.
func (r *Recorder) Round(ctx context.Context) (int, error) {
	tx, err := r.DB.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("record: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, `select e.id, e.org_id, e.type, e.payload, e.occurred_at, c.title, l.title,
			coalesce(e.payload->>'enrollment_id', en.id::text)
		from events e
		left join courses c on c.id = (e.payload->>'course_id')::uuid
		left join lessons l on l.id = (e.payload->>'lesson_id')::uuid
		left join enrollments en on en.course_id = (e.payload->>'course_id')::uuid and en.user_id = (e.payload->>'user_id')::uuid
		where e.xapi_at is null order by e.id limit $1 for update of e skip locked`, r.batch())
	if err != nil {
		return 0, fmt.Errorf("record: take events: %w", err)
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recordedEvent, error) {
		var e recordedEvent
		return e, row.Scan(&e.id, &e.org, &e.typ, &e.payload, &e.at, &e.course, &e.lesson, &e.registration)
	})
	if err != nil {
		return 0, fmt.Errorf("record: take events: %w", err)
	}
	if len(evs) == 0 {
		return 0, nil
	}
	byOrg := map[string][]*Statement{}
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.id
		st, err := r.statement(e)
		if err != nil {
			r.Log.Warn("an event has no statement", "event", e.id, "type", e.typ, "err", err)
			continue
		}
		if st != nil {
			byOrg[e.org] = append(byOrg[e.org], st)
		}
	}
	for org, stmts := range byOrg {
		err := database.InOrg(ctx, r.DB, org, func(ctx context.Context, tx pgx.Tx) error {
			return (&Store{db: tx}).WriteStatements(ctx, stmts, nil)
		})
		if err != nil {
			return 0, fmt.Errorf("record %d statements of organization %s: %w", len(stmts), org, err)
		}
	}
	if _, err := tx.Exec(ctx, `update events set xapi_at = now() where id = any($1)`, ids); err != nil {
		return 0, fmt.Errorf("record: mark events: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("record: %w", err)
	}
	return len(evs), nil
}

// authority is the authority of Lectern's own statements.
func (r *Recorder) authority() map[string]any {
	return map[string]any{"objectType": "Agent", "name": "Lectern",
		"account": map[string]any{"homePage": strings.TrimRight(r.PublicURL, "/"), "name": "lectern"}}
}

// statement is the statement of an event (nil for the events the record
// does not hold).
func (r *Recorder) statement(e recordedEvent) (*Statement, error) {
	var p struct {
		CourseID string    `json:"course_id"`
		LessonID string    `json:"lesson_id"`
		UserID   string    `json:"user_id"`
		XAPI     *Recorded `json:"xapi"`
	}
	switch e.typ {
	case "enrollment.created", "lesson.completed", "course.completed":
		if err := json.Unmarshal(e.payload, &p); err != nil {
			return nil, err
		}
	default:
		// Another domain's statement, when its event carries one.
		if !json.Valid(e.payload) || !strings.Contains(string(e.payload), `"xapi"`) {
			return nil, nil
		}
		if err := json.Unmarshal(e.payload, &p); err != nil {
			return nil, err
		}
		if p.XAPI == nil || p.XAPI.Verb == "" || p.XAPI.Object == nil {
			return nil, nil
		}
	}
	if p.CourseID == "" || p.UserID == "" {
		return nil, errors.New("no course or learner")
	}
	course := activity(CourseIRI(r.PublicURL, p.CourseID), ActivityCourse, e.course)
	s := map[string]any{
		"id":        uuid.NewSHA1(uuid.NameSpaceURL, []byte(recordNamespace+fmt.Sprint(e.id))).String(),
		"actor":     LearnerAgent(r.PublicURL, e.org, p.UserID, ""),
		"timestamp": e.at.UTC().Format(timeFormat),
		"authority": r.authority(),
		"version":   "2.0.0",
	}
	ctx := map[string]any{"platform": "Lectern"}
	if e.registration != nil {
		ctx["registration"] = *e.registration
	}
	switch e.typ {
	case "enrollment.created":
		s["verb"] = verb(VerbRegistered, "registered")
		s["object"] = course
	case "course.completed":
		s["verb"] = verb(VerbCompleted, "completed")
		s["object"] = course
		s["result"] = map[string]any{"completion": true}
	case "lesson.completed":
		if p.LessonID == "" {
			return nil, errors.New("no lesson")
		}
		s["verb"] = verb(VerbCompleted, "completed")
		s["object"] = activity(LessonIRI(r.PublicURL, p.CourseID, p.LessonID), ActivityLesson, e.lesson)
		s["result"] = map[string]any{"completion": true}
		ctx["contextActivities"] = map[string]any{"parent": []any{course}}
	default:
		s["verb"] = verb(p.XAPI.Verb, p.XAPI.Display)
		s["object"] = p.XAPI.Object
		if p.XAPI.Result != nil {
			s["result"] = p.XAPI.Result
		}
		ca := map[string]any{"grouping": []any{course}}
		var parents []any
		for _, id := range p.XAPI.Parent {
			parents = append(parents, map[string]any{"objectType": "Activity", "id": id})
		}
		if p.LessonID != "" {
			parents = append(parents, activity(LessonIRI(r.PublicURL, p.CourseID, p.LessonID), ActivityLesson, e.lesson))
		}
		if len(parents) > 0 {
			ca["parent"] = parents
		}
		ctx["contextActivities"] = ca
	}
	s["context"] = ctx
	// Through the same encoding as a client's, so the stored form is one.
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := decodeJSON(string(b), &body); err != nil {
		return nil, err
	}
	st := &Statement{ID: s["id"].(string), Body: body, Received: body}
	return st, nil
}

// Recorded is a statement another domain has the record hold, carried
// by its event's payload as "xapi" (with the payload's course_id, user_id
// and lesson_id): the verb, the object and the result, which only that
// domain can build (an answered question's interaction and key). The
// recorder adds the actor, timestamp, authority, registration and the
// context: the course as grouping, the lesson and Parent as parents.
type Recorded struct {
	Verb    string         `json:"verb"`
	Display string         `json:"display"`
	Object  map[string]any `json:"object"`
	Result  map[string]any `json:"result,omitempty"`
	Parent  []string       `json:"parent,omitempty"`
}

func verb(id, display string) map[string]any {
	return map[string]any{"id": id, "display": map[string]any{"en-US": display}}
}

func activity(id, typ string, title *string) map[string]any {
	def := map[string]any{"type": typ}
	if title != nil && *title != "" {
		def["name"] = map[string]any{"und": *title}
	}
	return map[string]any{"objectType": "Activity", "id": id, "definition": def}
}
