# Client records, enrollments and intake assessments: see the client-records issue.
