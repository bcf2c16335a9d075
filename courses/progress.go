package courses

import (
	"math"
	"time"
)

// Lesson statuses a learner sees; a lesson without a progress row is not
// started.
const (
	NotStarted = "not_started"
	InProgress = "in_progress"
	Completed  = "completed"
)

// LessonState is one lesson's progress as its learner sees it.
type LessonState struct {
	LessonID string `json:"lesson_id"`
	ModuleID string `json:"module_id"`
	Status   string `json:"status"`
	Locked   bool   `json:"locked"`
}

// Progress is a learner's progress through a course.
type Progress struct {
	CourseID    string        `json:"course_id"`
	Status      string        `json:"status"` // the enrollment's: active, completed
	Percent     float64       `json:"percent"`
	Completed   int           `json:"completed_lessons"`
	Total       int           `json:"total_lessons"`
	CompletedAt *time.Time    `json:"completed_at"`
	Lessons     []LessonState `json:"lessons"`
}

// ComputeProgress works out, from a course's outline and a learner's lesson
// statuses (lesson id → in_progress or completed; absent is not started),
// each lesson's status and lock, the count of completed lessons and the
// percentage. A lesson is locked until every lesson it requires is
// completed and every lesson of every module its module requires is
// completed. Percent is 100 exactly when every lesson is completed, and 0
// for a course without lessons.
func ComputeProgress(modules []*Module, status map[string]string) Progress {
	done := func(id string) bool { return status[id] == Completed }
	moduleDone := make(map[string]bool, len(modules))
	var p Progress
	for _, m := range modules {
		all := true
		for _, l := range m.Lessons {
			all = all && done(l.ID)
		}
		moduleDone[m.ID] = all
	}
	p.Lessons = []LessonState{}
	for _, m := range modules {
		moduleLocked := false
		for _, req := range m.Prerequisites {
			if !moduleDone[req] {
				moduleLocked = true
			}
		}
		for _, l := range m.Lessons {
			st := LessonState{LessonID: l.ID, ModuleID: m.ID, Status: NotStarted, Locked: moduleLocked}
			if s, ok := status[l.ID]; ok {
				st.Status = s
			}
			for _, req := range l.Prerequisites {
				if !done(req) {
					st.Locked = true
				}
			}
			p.Total++
			if st.Status == Completed {
				p.Completed++
			}
			p.Lessons = append(p.Lessons, st)
		}
	}
	switch {
	case p.Total == 0:
	case p.Completed == p.Total:
		p.Percent = 100
	default:
		p.Percent = math.Floor(float64(p.Completed)*1000/float64(p.Total)) / 10
	}
	return p
}

// prerequisiteCycle reports whether an outline's prerequisites can never
// all be met: some lesson would (through lesson and module prerequisites)
// wait for itself. The graph has a node per lesson and per module ("all of
// the module completed"): a lesson depends on the lessons it requires and
// on the modules its module requires; a module depends on its lessons and
// on the modules it requires.
func prerequisiteCycle(modules []*Module) bool {
	edges := map[string][]string{}
	for _, m := range modules {
		mn := "m:" + m.ID
		for _, req := range m.Prerequisites {
			edges[mn] = append(edges[mn], "m:"+req)
		}
		for _, l := range m.Lessons {
			ln := "l:" + l.ID
			edges[mn] = append(edges[mn], ln)
			for _, req := range l.Prerequisites {
				edges[ln] = append(edges[ln], "l:"+req)
			}
			for _, req := range m.Prerequisites {
				edges[ln] = append(edges[ln], "m:"+req)
			}
		}
	}
	const (
		unseen = iota
		onPath
		finished
	)
	state := map[string]int{}
	var visit func(n string) bool
	visit = func(n string) bool {
		switch state[n] {
		case onPath:
			return true
		case finished:
			return false
		}
		state[n] = onPath
		for _, next := range edges[n] {
			if visit(next) {
				return true
			}
		}
		state[n] = finished
		return false
	}
	for n := range edges {
		if visit(n) {
			return true
		}
	}
	return false
}
