package courses

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
)

// Person names a user in a course: its owner, an instructor.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"` // owner or co, in a course's instructors
}

// Course is a course as clients read it; Modules is set for one course.
type Course struct {
	ID              string     `json:"id" db:"id"`
	Title           string     `json:"title" db:"title"`
	Summary         string     `json:"summary" db:"summary"`
	Description     string     `json:"description" db:"description"`
	DescriptionHTML string     `json:"description_html" db:"description_html"`
	Tags            []string   `json:"tags" db:"tags"`
	Language        string     `json:"language" db:"language"`
	Status          string     `json:"status" db:"status"`
	Enrollment      string     `json:"enrollment" db:"enrollment"`
	Owner           Person     `json:"owner" db:"owner"`
	Instructors     []Person   `json:"instructors" db:"instructors"`
	CreatedAt       time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at" db:"updated_at"`
	PublishedAt     *time.Time `json:"published_at" db:"published_at"`
	LessonCount     int        `json:"lesson_count" db:"lesson_count"`
	Modules         []*Module  `json:"modules,omitempty" db:"-"`
}

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

// LessonVideo is what a player needs of a video lesson's video.
type LessonVideo struct {
	ID       string   `json:"id"`
	Status   string   `json:"status"`
	Duration *float64 `json:"duration"`
	HLS      *string  `json:"hls"`
	DASH     *string  `json:"dash"`
	Poster   *string  `json:"poster"`
	Player   string   `json:"player"`
}

// Instructor is a row of a course's teaching staff.
type Instructor struct {
	ID      string    `json:"id" db:"id"`
	Name    string    `json:"name" db:"name"`
	Email   string    `json:"email" db:"email"`
	Role    string    `json:"role" db:"role"`
	AddedAt time.Time `json:"added_at" db:"added_at"`
}

func (h *Handlers) q(ctx context.Context) database.Querier { return database.Q(ctx, h.DB) }

const courseCols = `c.id::text as id, c.title, c.summary, c.description, c.description_html, c.tags, c.language,
	c.status, c.enrollment,
	json_build_object('id', c.owner_id, 'name', (select u.name from users u where u.id = c.owner_id)) as owner,
	coalesce((select json_agg(json_build_object('id', u.id, 'name', u.name, 'role', ci.role)
			order by ci.role = 'owner' desc, ci.added_at, u.id)
		from course_instructors ci join users u on u.id = ci.user_id where ci.course_id = c.id), '[]') as instructors,
	c.created_at, c.updated_at, c.published_at,
	(select count(*) from lessons l where l.course_id = c.id)::int as lesson_count`

func (h *Handlers) loadCourse(ctx context.Context, id string) (*Course, error) {
	rows, _ := h.q(ctx).Query(ctx, `select `+courseCols+` from courses c where c.id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Course])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("course %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load course %s: %w", id, err)
	}
	return c, nil
}

// lockCourse serialises changes to a course's outline, so that two
// requests cannot together build what each alone would reject (a cycle).
func (h *Handlers) lockCourse(ctx context.Context, id string) error {
	_, err := h.q(ctx).Exec(ctx, `select 1 from courses where id = $1 for no key update`, id)
	return err
}

// courseFilter narrows GET /courses.
type courseFilter struct {
	Status   string
	TaughtBy string // "" for every course (admins)
	After    []string
	Limit    int
}

func (h *Handlers) listCourses(ctx context.Context, f courseFilter) ([]*Course, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Status != "" {
		where = append(where, "c.status = "+arg(f.Status))
	}
	if f.TaughtBy != "" {
		where = append(where, "exists (select 1 from course_instructors ci where ci.course_id = c.id and ci.user_id = "+arg(f.TaughtBy)+")")
	}
	if len(f.After) == 2 {
		where = append(where, fmt.Sprintf("(c.created_at, c.id) < (%s::timestamptz, %s::uuid)", arg(f.After[0]), arg(f.After[1])))
	}
	sql := `select ` + courseCols + ` from courses c`
	if len(where) > 0 {
		sql += " where " + strings.Join(where, " and ")
	}
	sql += " order by c.created_at desc, c.id desc limit " + arg(f.Limit+1)
	rows, _ := h.q(ctx).Query(ctx, sql, args...)
	cs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Course])
	if err != nil {
		return nil, fmt.Errorf("list courses: %w", err)
	}
	return cs, nil
}

// catalogFilter narrows GET /catalog.
type catalogFilter struct {
	Query, Tag, InstructorID, Language string
	After                              []string // rank, published_at, id
	Limit                              int
}

// CatalogEntry is a published course as the catalog lists it: the summary,
// not the description, and its search rank (0 without q).
type CatalogEntry struct {
	ID          string     `json:"id" db:"id"`
	Title       string     `json:"title" db:"title"`
	Summary     string     `json:"summary" db:"summary"`
	Tags        []string   `json:"tags" db:"tags"`
	Language    string     `json:"language" db:"language"`
	Enrollment  string     `json:"enrollment" db:"enrollment"`
	Owner       Person     `json:"owner" db:"owner"`
	Instructors []Person   `json:"instructors" db:"instructors"`
	PublishedAt *time.Time `json:"published_at" db:"published_at"`
	LessonCount int        `json:"lesson_count" db:"lesson_count"`
	Rank        float32    `json:"-" db:"rank"`
}

// catalog lists published courses, best match first for a search, then
// newest first. The sort key (rank, published_at, id) is unique, so the
// keyset cursor neither repeats nor skips a course. The page is chosen from
// sort keys alone (row-level security's org_id = lectern_org() lets the
// courses_catalog index serve it) and only its rows are decorated with
// owner, instructors and lesson count.
func (h *Handlers) catalog(ctx context.Context, f catalogFilter) ([]*CatalogEntry, error) {
	where := []string{"c.status = 'published'"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	rank := "0::real"
	from := "courses c"
	if f.Query != "" {
		from += ", websearch_to_tsquery('english', " + arg(f.Query) + ") query"
		where = append(where, "c.search @@ query")
		rank = "ts_rank(c.search, query)"
	}
	if f.Tag != "" {
		where = append(where, "c.tags @> array["+arg(f.Tag)+"]::text[]")
	}
	if f.Language != "" {
		where = append(where, "c.language = "+arg(f.Language))
	}
	if f.InstructorID != "" {
		where = append(where, "exists (select 1 from course_instructors ci where ci.course_id = c.id and ci.user_id = "+arg(f.InstructorID)+")")
	}
	if len(f.After) == 3 {
		where = append(where, fmt.Sprintf("(%s, c.published_at, c.id) < (%s::real, %s::timestamptz, %s::uuid)",
			rank, arg(f.After[0]), arg(f.After[1]), arg(f.After[2])))
	}
	sql := `with page as (
			select c.id, ` + rank + ` as rank from ` + from + ` where ` + strings.Join(where, " and ") + `
			order by 2 desc, c.published_at desc, c.id desc limit ` + arg(f.Limit+1) + `)
		select c.id::text as id, c.title, c.summary, c.tags, c.language, c.enrollment,
			json_build_object('id', c.owner_id, 'name', (select u.name from users u where u.id = c.owner_id)) as owner,
			coalesce((select json_agg(json_build_object('id', u.id, 'name', u.name, 'role', ci.role)
					order by ci.role = 'owner' desc, ci.added_at, u.id)
				from course_instructors ci join users u on u.id = ci.user_id where ci.course_id = c.id), '[]') as instructors,
			c.published_at, (select count(*) from lessons l where l.course_id = c.id)::int as lesson_count, page.rank
		from page join courses c on c.id = page.id
		order by page.rank desc, c.published_at desc, c.id desc`
	rows, _ := h.q(ctx).Query(ctx, sql, args...)
	cs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[CatalogEntry])
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return cs, nil
}

func (h *Handlers) insertCourse(ctx context.Context, c *Course, owner string) (string, error) {
	var id string
	err := h.q(ctx).QueryRow(ctx, `with c as (
			insert into courses (title, summary, description, description_html, tags, language, status, enrollment, owner_id, published_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, case when $7 = 'published' then now() end) returning id)
		insert into course_instructors (course_id, user_id, role) select id, $9, 'owner' from c returning course_id::text`,
		c.Title, c.Summary, c.Description, c.DescriptionHTML, c.Tags, c.Language, c.Status, c.Enrollment, owner).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert course: %w", err)
	}
	return id, nil
}

func (h *Handlers) updateCourse(ctx context.Context, c *Course) error {
	_, err := h.q(ctx).Exec(ctx, `update courses set title = $2, summary = $3, description = $4, description_html = $5,
			tags = $6, language = $7, status = $8, enrollment = $9,
			published_at = case when $8 = 'published' then coalesce(published_at, now()) else published_at end,
			updated_at = now()
		where id = $1`,
		c.ID, c.Title, c.Summary, c.Description, c.DescriptionHTML, c.Tags, c.Language, c.Status, c.Enrollment)
	if err != nil {
		return fmt.Errorf("update course %s: %w", c.ID, err)
	}
	return nil
}

func (h *Handlers) hasEnrollments(ctx context.Context, courseID string) (bool, error) {
	var ok bool
	err := h.q(ctx).QueryRow(ctx, `select exists (select 1 from enrollments where course_id = $1)`, courseID).Scan(&ok)
	return ok, err
}

func (h *Handlers) deleteCourseRow(ctx context.Context, id string) error {
	_, err := h.q(ctx).Exec(ctx, `delete from courses where id = $1`, id)
	return err
}

const lessonSelect = `select l.id::text, l.module_id::text, l.title, l.kind, l.video_id::text, l.position, l.updated_at,
	%s, v.status, v.duration, e.hls_path, e.dash_path, e.poster_path
	from lessons l
	left join videos v on v.id = l.video_id
	left join encodes e on e.id = v.current_encode_id
	where l.course_id = $1`

func (h *Handlers) scanLessons(rows pgx.Rows, full bool) ([]*Lesson, error) {
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
			l.Video = &LessonVideo{ID: *l.VideoID, Status: *vstatus, Duration: duration, Player: h.PublicURL + "/watch/" + *l.VideoID}
			if *vstatus == "ready" {
				l.Video.HLS, l.Video.DASH, l.Video.Poster = h.cdn(hls), h.cdn(dash), h.cdn(poster)
			}
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (h *Handlers) cdn(key *string) *string {
	if key == nil || *key == "" {
		return nil
	}
	var s string
	if h.Media != nil {
		s = h.Media.URL(*key)
	} else {
		s = h.CDNURL + "/" + *key
	}
	return &s
}

// loadOutline reads a course's modules and lessons in order, with their
// prerequisites, in one round trip. full adds the lessons' Markdown and
// HTML bodies (the progress model needs neither).
func (h *Handlers) loadOutline(ctx context.Context, courseID string, full bool) ([]*Module, error) {
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
	br := h.q(ctx).SendBatch(ctx, b)
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
	lessons, err := h.scanLessons(rows, full)
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

func (h *Handlers) loadLesson(ctx context.Context, courseID, lessonID string) (*Lesson, error) {
	rows, err := h.q(ctx).Query(ctx, fmt.Sprintf(lessonSelect, "l.body, l.body_html")+` and l.id = $2`, courseID, lessonID)
	if err != nil {
		return nil, fmt.Errorf("load lesson %s: %w", lessonID, err)
	}
	ls, err := h.scanLessons(rows, true)
	if err != nil {
		return nil, fmt.Errorf("load lesson %s: %w", lessonID, err)
	}
	if len(ls) == 0 {
		return nil, fmt.Errorf("lesson %s: %w", lessonID, ErrNotFound)
	}
	l := ls[0]
	rows, _ = h.q(ctx).Query(ctx, `select requires_lesson_id::text from lesson_prerequisites where lesson_id = $1 order by 1`, lessonID)
	if l.Prerequisites, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, fmt.Errorf("load lesson %s: %w", lessonID, err)
	}
	return l, nil
}

func (h *Handlers) loadModule(ctx context.Context, courseID, moduleID string) (*Module, error) {
	m := &Module{ID: moduleID}
	err := h.q(ctx).QueryRow(ctx, `select title, position,
			array(select requires_module_id::text from module_prerequisites where module_id = m.id order by 1)
		from modules m where id = $1 and course_id = $2`, moduleID, courseID).Scan(&m.Title, &m.Position, &m.Prerequisites)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("module %s: %w", moduleID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load module %s: %w", moduleID, err)
	}
	rows, err := h.q(ctx).Query(ctx, fmt.Sprintf(lessonSelect, "l.body, l.body_html")+` and l.module_id = $2 order by l.position, l.created_at, l.id`, courseID, moduleID)
	if err != nil {
		return nil, fmt.Errorf("load module %s: %w", moduleID, err)
	}
	if m.Lessons, err = h.scanLessons(rows, true); err != nil {
		return nil, fmt.Errorf("load module %s: %w", moduleID, err)
	}
	if m.Lessons == nil {
		m.Lessons = []*Lesson{}
	}
	return m, nil
}

func (h *Handlers) insertModule(ctx context.Context, courseID, title string) (string, error) {
	var id string
	err := h.q(ctx).QueryRow(ctx, `insert into modules (course_id, title, position)
		select $1, $2, coalesce(max(position), 0) + 1 from modules where course_id = $1 returning id::text`, courseID, title).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert module: %w", err)
	}
	return id, nil
}

func (h *Handlers) renameModule(ctx context.Context, id, title string) error {
	_, err := h.q(ctx).Exec(ctx, `update modules set title = $2 where id = $1`, id, title)
	return err
}

// setPrerequisites replaces what a module or a lesson (kind "module" or
// "lesson", never user input) requires; the ids are of the same kind in the
// same course (checked by the caller).
func (h *Handlers) setPrerequisites(ctx context.Context, kind, id string, requires []string) error {
	_, err := h.q(ctx).Exec(ctx, fmt.Sprintf(`with d as (delete from %[1]s_prerequisites where %[1]s_id = $1 and requires_%[1]s_id <> all($2::uuid[]))
		insert into %[1]s_prerequisites (%[1]s_id, requires_%[1]s_id) select $1, r from unnest($2::uuid[]) r
		on conflict do nothing`, kind), id, requires)
	if err != nil {
		return fmt.Errorf("set prerequisites of %s %s: %w", kind, id, err)
	}
	return nil
}

// countIn counts how many of ids name rows of table in the course.
func (h *Handlers) countIn(ctx context.Context, table, courseID string, ids []string) (int, error) {
	var n int
	err := h.q(ctx).QueryRow(ctx, `select count(*) from `+table+` where course_id = $1 and id = any($2::uuid[])`, courseID, ids).Scan(&n)
	return n, err
}

func (h *Handlers) deleteIn(ctx context.Context, table, courseID, id string) error {
	tag, err := h.q(ctx).Exec(ctx, `delete from `+table+` where id = $1 and course_id = $2`, id, courseID)
	if err != nil {
		return fmt.Errorf("delete from %s: %w", table, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %s: %w", strings.TrimSuffix(table, "s"), id, ErrNotFound)
	}
	return nil
}

// videoStatus returns the status of a video of the organization, "" when
// there is none (another organization's video is invisible).
func (h *Handlers) videoStatus(ctx context.Context, id string) (string, error) {
	var st string
	err := h.q(ctx).QueryRow(ctx, `select status from videos where id = $1`, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return st, err
}

func (h *Handlers) insertLesson(ctx context.Context, courseID string, l *Lesson, body string) (string, error) {
	var id string
	err := h.q(ctx).QueryRow(ctx, `insert into lessons (course_id, module_id, title, kind, video_id, body, body_html, position)
		select $1, $2, $3, $4, $5, $6, $7, coalesce(max(position), 0) + 1 from lessons where module_id = $2
		returning id::text`, courseID, l.ModuleID, l.Title, l.Kind, l.VideoID, body, l.BodyHTML).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("insert lesson: %w", err)
	}
	return id, nil
}

func (h *Handlers) updateLesson(ctx context.Context, l *Lesson) error {
	_, err := h.q(ctx).Exec(ctx, `update lessons set title = $2, video_id = $3, body = $4, body_html = $5, updated_at = now()
		where id = $1`, l.ID, l.Title, l.VideoID, *l.Body, l.BodyHTML)
	if err != nil {
		return fmt.Errorf("update lesson %s: %w", l.ID, err)
	}
	return nil
}

// reorder rewrites the positions (and modules) of a course's modules and
// lessons in one statement.
func (h *Handlers) reorder(ctx context.Context, courseID string, modules, lessons, lessonModules []string, lessonPos []int32) error {
	_, err := h.q(ctx).Exec(ctx, `with m as (
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
	return nil
}

// refreshEnrollments recomputes the stored progress of a course's active
// enrollments after lessons were added or removed (it never completes or
// reopens one: that happens when the learner next records progress).
func (h *Handlers) refreshEnrollments(ctx context.Context, courseID string) error {
	_, err := h.q(ctx).Exec(ctx, `update enrollments e set progress = p.pct, updated_at = now()
		from (select e2.id,
				case when t.n = 0 then 0
				     when coalesce(d.n, 0) >= t.n then 100
				     else floor(coalesce(d.n, 0) * 1000.0 / t.n) / 10 end as pct
			from enrollments e2
			cross join (select count(*) as n from lessons where course_id = $1) t
			left join (select user_id, count(*) as n from lesson_progress
				where course_id = $1 and status = 'completed' group by user_id) d on d.user_id = e2.user_id
			where e2.course_id = $1 and e2.status = 'active') p
		where e.id = p.id and e.progress is distinct from p.pct`, courseID)
	if err != nil {
		return fmt.Errorf("refresh progress of course %s: %w", courseID, err)
	}
	return nil
}

func (h *Handlers) listInstructors(ctx context.Context, courseID string) ([]Instructor, error) {
	rows, _ := h.q(ctx).Query(ctx, `select u.id::text as id, u.name, u.email, ci.role, ci.added_at
		from course_instructors ci join users u on u.id = ci.user_id
		where ci.course_id = $1 order by ci.role = 'owner' desc, ci.added_at, u.id`, courseID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Instructor])
	if err != nil {
		return nil, fmt.Errorf("list instructors of %s: %w", courseID, err)
	}
	return out, nil
}

// lessonStatuses returns a learner's lesson statuses in a course.
func (h *Handlers) lessonStatuses(ctx context.Context, courseID, userID string) (map[string]string, error) {
	rows, _ := h.q(ctx).Query(ctx, `select lesson_id::text, status from lesson_progress where course_id = $1 and user_id = $2`, courseID, userID)
	out := map[string]string{}
	var id, st string
	_, err := pgx.ForEachRow(rows, []any{&id, &st}, func() error {
		out[id] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("progress in %s: %w", courseID, err)
	}
	return out, nil
}

// enrollment is a learner's enrollment row, locked for the request when
// lock is set (progress updates of one learner in one course serialise).
func (h *Handlers) enrollment(ctx context.Context, courseID, userID string, lock bool) (status string, completedAt *time.Time, err error) {
	sql := `select status, completed_at from enrollments where course_id = $1 and user_id = $2`
	if lock {
		sql += ` for no key update`
	}
	err = h.q(ctx).QueryRow(ctx, sql, courseID, userID).Scan(&status, &completedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, fmt.Errorf("enrollment in %s: %w", courseID, ErrNotFound)
	}
	return status, completedAt, err
}

// recordProgress upserts a lesson's progress (a completed lesson stays
// completed).
func (h *Handlers) recordProgress(ctx context.Context, courseID, lessonID, userID, status string) error {
	_, err := h.q(ctx).Exec(ctx, `insert into lesson_progress (user_id, course_id, lesson_id, status, completed_at)
		values ($1, $2, $3, $4, case when $4 = 'completed' then now() end)
		on conflict (user_id, lesson_id) do update
		set status = excluded.status, completed_at = excluded.completed_at, updated_at = now()
		where lesson_progress.status <> 'completed'`, userID, courseID, lessonID, status)
	if err != nil {
		return fmt.Errorf("record progress of lesson %s: %w", lessonID, err)
	}
	return nil
}

// storeEnrollmentProgress writes the percentage; at 100 the enrollment is
// completed (the database trigger reports course.completed).
func (h *Handlers) storeEnrollmentProgress(ctx context.Context, courseID, userID string, percent float64) (status string, completedAt *time.Time, err error) {
	err = h.q(ctx).QueryRow(ctx, `update enrollments set progress = $3::real,
			status = case when $3::real >= 100 then 'completed' else status end,
			completed_at = case when $3::real >= 100 then coalesce(completed_at, now()) else completed_at end,
			updated_at = now()
		where course_id = $1 and user_id = $2 returning status, completed_at`, courseID, userID, percent).Scan(&status, &completedAt)
	if err != nil {
		return "", nil, fmt.Errorf("store progress in %s: %w", courseID, err)
	}
	return status, completedAt, nil
}
