"""Celery and RabbitMQ: the configuration, publishing node tasks, declaring queues."""
