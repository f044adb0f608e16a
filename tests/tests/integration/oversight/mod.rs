mod analytics;
