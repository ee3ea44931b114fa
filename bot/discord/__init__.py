"""The Discord adapter: slash commands and buttons in, status and result messages out."""

PLATFORM = "discord"  # the platform name jobs, users and feedback carry in storage
MESSAGE_REF = "discord_message_id"  # the job's status message, in its message refs
