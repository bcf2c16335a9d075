package courses

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Module is a chapter of a course's outline.
type Module struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Position      int       `json:"position"`
	Prerequisites []string  `json:"prerequisites"`
	Lessons       []*Lesson `json:"lessons"`
}

// Lesson is one video or text lesson. Body (the Markdown source) is shown
// to the course's staff only; Progress and Locked to an enrolled learner.
type Lesson struct {
	ID            string       `json:"id"`
	ModuleID      string       `json:"module_id"`
	Title         string       `json:"title"`
	Kind          string       `json:"kind"`
	VideoID       *string      `json:"video_id"`
	Position      int          `json:"position"`
	Prerequisites []string     `json:"prerequisites"`
	Body          *string      `json:"body,omitempty"`
	BodyHTML      string       `json:"body_html,omitempty"`
	Video         *LessonVideo `json:"video,omitempty"`
	Progress      string       `json:"progress,omitempty"`
	Locked        *bool        `json:"locked,omitempty"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

// LessonVideo is what a player needs of a video lesson's video. The store
// reads the object keys of a ready video; the handlers turn them into the
// CDN URLs (signed for the caller) HLS, DASH and Poster.
type LessonVideo struct {
	ID       string   `json:"id"`
	Status   string   `json:"status"`
	Duration *float64 `json:"duration"`
	HLS      *string  `json:"hls"`
	DASH     *string  `json:"dash"`
	Poster   *string  `json:"poster"`
	Player   string   `json:"player"`

	Keys MediaKeys `json:"-"`
}

// MediaKeys are the object keys of a ready video's manifests and poster.
type MediaKeys struct{ HLS, DASH, Poster *string }

const lessonSelect = `select l.id::text, l.module_id::text, l.title, l.kind, l.video_id::text, l.position, l.updated_at,
	%s, v.status, v.duration, e.hls_path, e.dash_path, e.poster_path
	from lessons l
	left join videos v on v.id = l.video_id
	left join encodes e on e.id = v.current_encode_id
	where l.course_id = $1`

func scanLessons(rows pgx.Rows, full bool) ([]*Lesson, error) {
	var out []*Lesson
	for rows.Next() {
		l := &Lesson{Prerequisites: []string{}}
		var body string
		var vstatus, hls, dash, poster *string
		var duration *float64
		if err := rows.Scan(&l.ID, &l.ModuleID, &l.Title, &l.Kind, &l.VideoID, &l.Position, &l.UpdatedAt,
			&body, &l.BodyHTML, &vstatus, &duration, &hls, &dash, &poster); err != nil {
			rows.Close()
			return nil, err
		}
		if full {
			l.Body = &body
		}
		if l.VideoID != nil && vstatus != nil {
			l.Video = &LessonVideo{ID: *l.VideoID, Status: *vstatus, Duration: duration}
			if *vstatus == "ready" {
				l.Video.Keys = MediaKeys{HLS: hls, DASH: dash, Poster: poster}
			}
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Outline reads a course's modules and lessons in order, with their
// prerequisites, in one round trip. full adds the lessons' Markdown and
// HTML bodies (the progress model needs neither).
func (s *Store) Outline(ctx context.Context, courseID string, full bool) ([]*Module, error) {
	bodies := "'', ''"
	if full {
		bodies = "l.body, l.body_html"
	}
	b := &pgx.Batch{}
	b.Queue(`select id::text, title, position from modules where course_id = $1 order by position, created_at, id`, courseID)
	b.Queue(fmt.Sprintf(lessonSelect, bodies)+` order by l.position, l.created_at, l.id`, courseID)
	b.Queue(`select p.lesson_id::text, p.requires_lesson_id::text from lesson_prerequisites p
		join lessons l on l.id = p.lesson_id where l.course_id = $1 order by 1, 2`, courseID)
	b.Queue(`select p.module_id::text, p.requires_module_id::text from module_prerequisites p
		join modules m on m.id = p.module_id where m.course_id = $1 order by 1, 2`, courseID)
	br := s.q(ctx).SendBatch(ctx, b)
	defer br.Close()
	fail := func(err error) ([]*Module, error) { return nil, fmt.Errorf("load outline of %s: %w", courseID, err) }

	rows, err := br.Query()
	if err != nil {
		return fail(err)
	}
	var modules []*Module
	byID := map[string]*Module{}
	for rows.Next() {
		m := &Module{Prerequisites: []string{}, Lessons: []*Lesson{}}
		if err := rows.Scan(&m.ID, &m.Title, &m.Position); err != nil {
			rows.Close()
			return fail(err)
		}
		modules = append(modules, m)
		byID[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows, err = br.Query()
	if err != nil {
		return fail(err)
	}
	lessons, err := scanLessons(rows, full)
	if err != nil {
		return fail(err)
	}
	lessonByID := map[string]*Lesson{}
	for _, l := range lessons {
		lessonByID[l.ID] = l
		if m := byID[l.ModuleID]; m != nil {
			m.Lessons = append(m.Lessons, l)
		}
	}
	edges := func(add func(from, to string)) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		var from, to string
		_, err = pgx.ForEachRow(rows, []any{&from, &to}, func() error {
			add(from, to)
			return nil
		})
		return err
	}
	if err := edges(func(from, to string) {
		if l := lessonByID[from]; l != nil {
			l.Prerequisites = append(l.Prerequisites, to)
		}
	}); err != nil {
		return fail(err)
	}
	if err := edges(func(from, to string) {
		if m := byID[from]; m != nil {
			m.Prerequisites = append(m.Prerequisites, to)
		}
	}); err != nil {
		return fail(err)
	}
	if modules == nil {
		modules = []*Module{}
	}
	return modules, nil
}

// Lesson reads one lesson of a course.
func (s *Store) Lesson(ctx context.Context, courseID, lessonID string) (*Lesson, error) {
	rows, err := s.q(ctx).Query(ctx, fmt.Sprintf(lessonSelect, "l.body, l.body_html")+` and l.id = $2`, courseID, lessonID)
	if err != nil {
		return nil, fmt.Errorf("load lesson %s: %w", lessonID, err)
	}
	ls, err := scanLessons(rows, true)
	if err != nil {
		return nil, fmt.Errorf("load lesson %s: %w", lessonID, err)
	}
	if len(ls) == 0 {
		return nil, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	l := ls[0]
	rows, _ = s.q(ctx).Query(ctx, `select requires_lesson_id::text from lesson_prerequisites where lesson_id = $1 order by 1`, lessonID)
	if l.Prerequisites, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, fmt.Errorf("load lesson %s: %w", lessonID, err)
	}
	return l, nil
}

// Module reads one module of a course with its lessons.
func (s *Store) Module(ctx context.Context, courseID, moduleID string) (*Module, error) {
	m := &Module{ID: moduleID}
	err := s.q(ctx).QueryRow(ctx, `select title, position,
			array(select requires_module_id::text from module_prerequisites where module_id = m.id order by 1)
		from modules m where id = $1 and course_id = $2`, moduleID, courseID).Scan(&m.Title, &m.Position, &m.Prerequisites)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("module %s: %w", moduleID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load module %s: %w", moduleID, err)
	}
	rows, err := s.q(ctx).Query(ctx, fmt.Sprintf(lessonSelect, "l.body, l.body_html")+` and l.module_id = $2 order by l.position, l.created_at, l.id`, courseID, moduleID)
	if err != nil {
		return nil, fmt.Errorf("load module %s: %w", moduleID, err)
	}
	if m.Lessons, err = scanLessons(rows, true); err != nil {
		return nil, fmt.Errorf("load module %s: %w", moduleID, err)
	}
	if m.Lessons == nil {
		m.Lessons = []*Lesson{}
	}
	return m, nil
}

// CreateModule appends a module to a course and returns its id.
func (s *Store) CreateModule(ctx context.Context, courseID, title string) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `insert into modules (course_id, title, position)
		select $1, $2, coalesce(max(position), 0) + 1 from modules where course_id = $1 returning id::text`, courseID, title).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert module: %w", err)
	}
	return id, nil
}

// RenameModule renames a module.
func (s *Store) RenameModule(ctx context.Context, id, title string) error {
	if _, err := s.q(ctx).Exec(ctx, `update modules set title = $2 where id = $1`, id, title); err != nil {
		return fmt.Errorf("rename module %s: %w", id, err)
	}
	return nil
}

// Item is a kind of outline item: Modules or Lessons.
type Item string

// The outline's item kinds (their tables).
const (
	Modules Item = "modules"
	Lessons Item = "lessons"
)

func (k Item) one() string { return strings.TrimSuffix(string(k), "s") }

// SetPrerequisites replaces what a module or a lesson requires; the ids
// are items of the same kind in the same course (see CountIn).
func (s *Store) SetPrerequisites(ctx context.Context, kind Item, id string, requires []string) error {
	_, err := s.q(ctx).Exec(ctx, fmt.Sprintf(`with d as (delete from %[1]s_prerequisites where %[1]s_id = $1 and requires_%[1]s_id <> all($2::uuid[]))
		insert into %[1]s_prerequisites (%[1]s_id, requires_%[1]s_id) select $1, r from unnest($2::uuid[]) r
		on conflict do nothing`, kind.one()), id, requires)
	if err != nil {
		return fmt.Errorf("set prerequisites of %s %s: %w", kind.one(), id, err)
	}
	return nil
}

// CountIn counts how many of ids name items of kind in the course.
func (s *Store) CountIn(ctx context.Context, kind Item, courseID string, ids []string) (int, error) {
	var n int
	err := s.q(ctx).QueryRow(ctx, `select count(*) from `+string(kind)+` where course_id = $1 and id = any($2::uuid[])`, courseID, ids).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s of course %s: %w", kind, courseID, err)
	}
	return n, nil
}

// Delete deletes a module (with its lessons) or a lesson of a course.
func (s *Store) Delete(ctx context.Context, kind Item, courseID, id string) error {
	tag, err := s.q(ctx).Exec(ctx, `delete from `+string(kind)+` where id = $1 and course_id = $2`, id, courseID)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", kind.one(), id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %s: %w", kind.one(), id, ErrNotFound)
	}
	return s.changed(ctx) // a lesson count changed
}

// VideoStatus returns the status of a video of the organization, "" when
// there is none (another organization's video is invisible).
func (s *Store) VideoStatus(ctx context.Context, id string) (string, error) {
	var st string
	err := s.q(ctx).QueryRow(ctx, `select status from videos where id = $1`, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return st, err
}

// CreateLesson appends a lesson to its module and returns its id.
func (s *Store) CreateLesson(ctx context.Context, courseID string, l *Lesson) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `insert into lessons (course_id, module_id, title, kind, video_id, body, body_html, position)
		select $1, $2, $3, $4, $5, $6, $7, coalesce(max(position), 0) + 1 from lessons where module_id = $2
		returning id::text`, courseID, l.ModuleID, l.Title, l.Kind, l.VideoID, *l.Body, l.BodyHTML).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert lesson: %w", err)
	}
	return id, s.changed(ctx)
}

// UpdateLesson writes a lesson's title, video and body.
func (s *Store) UpdateLesson(ctx context.Context, l *Lesson) error {
	_, err := s.q(ctx).Exec(ctx, `update lessons set title = $2, video_id = $3, body = $4, body_html = $5, updated_at = now()
		where id = $1`, l.ID, l.Title, l.VideoID, *l.Body, l.BodyHTML)
	if err != nil {
		return fmt.Errorf("update lesson %s: %w", l.ID, err)
	}
	return s.changed(ctx)
}

// Reorder rewrites the positions (and modules) of a course's modules and
// lessons in one statement.
func (s *Store) Reorder(ctx context.Context, courseID string, modules, lessons, lessonModules []string, lessonPos []int32) error {
	_, err := s.q(ctx).Exec(ctx, `with m as (
			update modules set position = o.pos
			from unnest($2::uuid[]) with ordinality as o(id, pos)
			where modules.id = o.id and modules.course_id = $1)
		update lessons set module_id = o.module_id, position = o.pos,
			updated_at = case when lessons.module_id <> o.module_id then now() else lessons.updated_at end
		from unnest($3::uuid[], $4::uuid[], $5::int[]) as o(id, module_id, pos)
		where lessons.id = o.id and lessons.course_id = $1`, courseID, modules, lessons, lessonModules, lessonPos)
	if err != nil {
		return fmt.Errorf("reorder course %s: %w", courseID, err)
	}
	return s.changed(ctx)
}
