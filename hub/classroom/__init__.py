"""The instructor's side of the classroom: the board, help queue, announcements, push, collect."""
